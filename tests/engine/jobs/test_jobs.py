"""The shared job machinery: event order, control semantics, checkpoints, resume."""

import json
import threading
import time

import numpy as np
import pytest
import torch

from engine import events as ev
from engine.control import RunControl
from engine.jobs import execute
from engine.runs import RunStore
from tests.engine.toy import TOY, ToyParams


class Trigger:
    """A sink that calls ``action`` once, on the first event matching ``when``."""

    def __init__(self, when, action):
        self.when, self.action, self.fired = when, action, False

    def __call__(self, event):
        if not self.fired and self.when(event):
            self.fired = True
            self.action()


def test_event_order_and_types(tmp_path):
    sink = ev.ListSink()
    out = execute(TOY, ToyParams(epochs=2), tmp_path, [sink])
    assert out.status == "completed"
    kinds = [type(e) for e in sink.events]
    assert kinds[0] is ev.Started and kinds[-1] is ev.Finished
    assert kinds.count(ev.Started) == 1 and kinds.count(ev.Finished) == 1
    steps = [e.step for e in sink.events]
    assert steps == sorted(steps)
    val = [e for e in sink.of(ev.Metrics) if e.phase == "val"]
    assert [e.epoch for e in val] == [0, 1]
    assert all(len({e.run_id for e in sink.events}) == 1 for _ in [0])


def test_no_tensor_in_any_event(tmp_path):
    sink = ev.ListSink()
    from engine.train.registry import EXPERIMENTS
    from engine.train.vae import VAEParams

    execute(EXPERIMENTS["vae"], VAEParams(epochs=1, device="cpu"), tmp_path, [sink])
    assert sink.of(ev.Artifact), "the VAE should draw its pictures"
    for e in sink.events:
        for name, value in vars(e).items():
            assert not isinstance(value, torch.Tensor), (e, name)
            assert ev.is_plain(value), (type(e).__name__, name, type(value))


def test_pause_blocks_until_resumed(tmp_path):
    sink, control = ev.ListSink(), RunControl()
    control.pause()
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("out", execute(TOY, ToyParams(), tmp_path, [sink], control)))
    t.start()
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        assert not sink.of(ev.Metrics), "a paused job must not train"
        time.sleep(0.02)
    control.resume()
    t.join(30)
    assert result["out"].status == "completed"


def test_stop_early_saves_and_ends_stopped(tmp_path):
    control = RunControl()
    trig = Trigger(lambda e: isinstance(e, ev.Metrics) and e.step == 5, control.request_stop)
    sink = ev.ListSink()
    out = execute(TOY, ToyParams(epochs=3), tmp_path, [trig, sink], control)
    assert out.status == "stopped"
    ckpt = RunStore(out.run_dir).load_checkpoint("last")
    assert ckpt["step"] == 5  # the step in flight finished, nothing after it ran
    assert json.loads((out.run_dir / "status.json").read_text())["status"] == "stopped"
    assert sink.events[-1].status == "stopped"


def test_cancel_ends_cancelled_and_saves_where_it_stopped(tmp_path):
    control = RunControl()
    per_epoch = 6  # 48 training points, batch 8
    trig = Trigger(lambda e: isinstance(e, ev.Metrics) and e.phase == "train" and e.step == per_epoch + 2,
                   control.cancel)
    out = execute(TOY, ToyParams(epochs=3), tmp_path, [trig], control)
    assert out.status == "cancelled"
    assert RunStore(out.run_dir).load_checkpoint("last")["step"] == per_epoch + 2  # the batch boundary it ended at
    assert RunStore(out.run_dir).status()["status"] == "cancelled"


def test_nan_loss_fails_with_cause_and_keeps_last_good_checkpoint(tmp_path):
    out = execute(TOY, ToyParams(epochs=3, nan_at_step=9), tmp_path)
    assert out.status == "failed"
    assert "nan" in out.error.lower() and "step 9" in out.error
    ckpt = RunStore(out.run_dir).load_checkpoint("last")
    assert ckpt["step"] == 6
    assert all(torch.isfinite(v).all() for v in ckpt["task"]["modules"]["m"].values())
    st = RunStore(out.run_dir).status()
    assert st["status"] == "failed" and "nan" in st["error"].lower()


@pytest.mark.parametrize("stop_at", [3, 6, 10])
def test_resume_continues_same_stream(tmp_path, stop_at):
    straight = execute(TOY, ToyParams(epochs=3), tmp_path / "a")
    control = RunControl()
    trig = Trigger(lambda e: isinstance(e, ev.Metrics) and e.step == stop_at, control.request_stop)
    first = execute(TOY, ToyParams(epochs=3), tmp_path / "b", [trig], control)
    assert first.status == "stopped"
    sink = ev.ListSink()
    resumed = execute(TOY, ToyParams(epochs=3), tmp_path / "b", [sink], resume_dir=first.run_dir)
    assert resumed.status == "completed" and resumed.run_dir == first.run_dir
    started = sink.of(ev.Started)[0]
    assert started.resumed and started.step == stop_at
    assert min(e.step for e in sink.of(ev.Metrics)) == stop_at + 1
    a = RunStore(straight.run_dir).load_checkpoint("last")["task"]["modules"]["m"]
    b = RunStore(resumed.run_dir).load_checkpoint("last")["task"]["modules"]["m"]
    for k in a:
        assert torch.equal(a[k], b[k]), k
    steps = [r["step"] for r in map(json.loads, (first.run_dir / "metrics.jsonl").read_text().splitlines())
             if r["phase"] == "train"]
    assert steps == sorted(steps) and steps[-1] == 18


def test_best_checkpoint_tracks_lowest_validation_loss(tmp_path):
    out = execute(TOY, ToyParams(epochs=4), tmp_path)
    store = RunStore(out.run_dir)
    val = store.metrics().query("phase == 'val'")["loss"].to_numpy()
    best = store.load_checkpoint("best")
    assert best["best"] == pytest.approx(np.min(val))
    assert best["epoch"] == int(np.argmin(val)) + 1


def test_resume_with_an_optimizer_state_of_another_shape_continues_with_fresh_moments(tmp_path):
    # a checkpoint of an earlier version, whose optimizer was a wrapper ({"inner", "own"}) where it is now PyTorch's
    control = RunControl()
    trig = Trigger(lambda e: isinstance(e, ev.Metrics) and e.step == 3, control.request_stop)
    first = execute(TOY, ToyParams(epochs=2), tmp_path, [trig], control)
    store = RunStore(first.run_dir)
    ckpt = store.load_checkpoint("last")
    ckpt["task"]["optimizers"]["m"] = {"inner": ckpt["task"]["optimizers"]["m"], "own": {}}
    store.save_checkpoint("last", ckpt)
    sink = ev.ListSink()
    resumed = execute(TOY, ToyParams(epochs=2), tmp_path, [sink], resume_dir=first.run_dir)
    assert resumed.status == "completed"
    warnings = [e.message for e in sink.of(ev.Log) if e.level == "warning"]
    assert any("m optimizer's state" in w and "starts afresh" in w for w in warnings), warnings
    saved = RunStore(first.run_dir).load_checkpoint("last")["task"]
    assert "param_groups" in saved["optimizers"]["m"]  # saved again in this version's shape
