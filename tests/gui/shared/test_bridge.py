"""The bridge keeps every metric, coalesces the rest, and drops stale runs."""

import numpy as np

from engine import events as ev
from gui.bridge import EngineBridge


def test_coalesces_and_filters(qtbot):
    bridge = EngineBridge()
    got = {"metrics": [], "progress": [], "artifact": [], "finished": []}
    bridge.metrics.connect(lambda batch: got["metrics"].extend(batch))
    bridge.progress.connect(got["progress"].append)
    bridge.artifact.connect(got["artifact"].append)
    bridge.finished.connect(got["finished"].append)
    bridge.expect_new_run()
    bridge.sink(ev.Metrics("old", 1, "train", 0, {"loss": 9.0}))  # before our run started: stale
    bridge.sink(ev.Started("new", 0, "vae", {}, "/tmp/x"))
    for step in range(1, 101):
        bridge.sink(ev.Metrics("new", step, "train", 0, {"loss": 1.0 / step}))
        bridge.sink(ev.Progress("new", step, 100, 0.1, 1.0, epoch=0))
    bridge.sink(ev.Artifact("new", 50, "scatter", "latent", {"points": np.zeros((2, 2))}))
    bridge.sink(ev.Artifact("new", 100, "scatter", "latent", {"points": np.ones((2, 2))}))
    bridge.sink(ev.Metrics("other", 5, "train", 0, {"loss": 3.0}))  # a stale run's event
    bridge.sink(ev.Finished("new", 100, "completed"))
    with qtbot.waitSignal(bridge.finished, timeout=2000):
        pass
    assert [m.step for m in got["metrics"]] == list(range(1, 101))
    assert [p.step for p in got["progress"]] == [100]
    assert len(got["artifact"]) == 1 and got["artifact"][0].step == 100
    assert got["finished"][0].status == "completed"
