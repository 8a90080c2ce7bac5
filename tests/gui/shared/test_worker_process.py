"""Jobs started from a bench run in the app's worker process (gui.process_runner): curves come
back, the run controls reach the worker, and a worker killed mid-run leaves the window working,
its run failed with the cause and its checkpoint kept, and the next Start trains."""

import os
import signal

import pytest
from PySide6.QtCore import Qt, QTimer

from engine.runs import RunStore, list_runs
from gui import process_runner
from gui.process_runner import JobProcess
from gui.runner import JobThread

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workers():
    """The app's pool, as run_gui opens it (one torch thread per worker, like this test process)."""
    pool = process_runner.start_workers(threads=1)
    yield pool
    process_runner.stop_workers()


def wait_idle(qtbot, bench, timeout=60000):
    qtbot.waitUntil(lambda: not bench.busy, timeout=timeout)


def test_without_the_apps_pool_jobs_stay_on_a_thread(bench):
    assert process_runner.workers() is None
    bench.form.set_values({"epochs": 1})
    bench.start()
    assert type(bench.driver.thread) is JobThread
    bench.driver.shutdown()


def test_a_real_vae_trains_in_the_worker_with_live_curves(qtbot, workers, bench):
    bench.form.set_values({"epochs": 2})
    qtbot.mouseClick(bench.controls.start, Qt.MouseButton.LeftButton)
    assert isinstance(bench.driver.thread, JobProcess)
    wait_idle(qtbot, bench)
    assert bench.messages.level == "info" and "completed" in bench.messages.message()
    run = bench.driver.current_run
    assert bench.curves.curves[(run, "val", "loss")].series.n == 2
    assert bench.recon.array is not None and bench.manifold.array is not None
    [info] = list_runs(bench.workspace)
    assert info.status == "completed"
    assert RunStore(info.path).status()["pid"] != os.getpid()  # the run was written by the worker
    assert bench.controls.bar.value() == 1000 and bench.controls.start.isEnabled()


def val_points(bench):
    curve = bench.curves.curves.get((bench.driver.current_run, "val", "loss"))
    return 0 if curve is None else curve.series.n


def test_pause_resume_and_stop_early_reach_the_worker(qtbot, workers, bench):
    bench.form.set_values({"epochs": 500})
    bench.start()
    qtbot.waitUntil(lambda: val_points(bench) >= 2, timeout=60000)
    store = RunStore(list_runs(bench.workspace)[0].path)
    first = store.load_checkpoint("last")["step"]  # after epoch 1; the next one is due in 30 s
    c = bench.controls
    qtbot.mouseClick(c.pause, Qt.MouseButton.LeftButton)
    # a run saves itself when it pauses: the worker heard Pause
    qtbot.waitUntil(lambda: store.load_checkpoint("last")["step"] > first, timeout=20000)
    qtbot.mouseClick(c.pause, Qt.MouseButton.LeftButton)
    assert not bench.driver.thread.control.paused
    shown = val_points(bench)
    qtbot.waitUntil(lambda: val_points(bench) > shown, timeout=20000)  # training again
    qtbot.mouseClick(c.stop, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, bench)
    assert list_runs(bench.workspace)[0].status == "stopped"
    assert "Stopped early" in bench.messages.message()


def test_cancel_reaches_the_worker(qtbot, workers, bench):
    bench.form.set_values({"epochs": 500})
    bench.start()
    qtbot.waitUntil(lambda: bench.controls.bar.value() > 0, timeout=60000)
    qtbot.mouseClick(bench.controls.cancel, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, bench)
    assert list_runs(bench.workspace)[0].status == "cancelled"
    assert "Cancelled" in bench.messages.message()


def test_a_worker_killed_mid_run_fails_its_run_and_the_next_start_trains(qtbot, workers, bench):
    bench.form.set_values({"epochs": 500})
    bench.start()
    qtbot.waitUntil(lambda: val_points(bench) >= 1, timeout=60000)
    folder = list_runs(bench.workspace)[0].path
    qtbot.waitUntil(lambda: RunStore(folder).has_checkpoint("last"), timeout=20000)  # after the first epoch
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    os.kill(bench.driver.thread.pid, signal.SIGKILL)
    wait_idle(qtbot, bench)
    timer.stop()
    assert ticks, "the window stopped handling events"
    assert bench.messages.level == "error"
    assert "the job process was killed (signal 9, SIGKILL) — out of memory? peak" in bench.messages.message()
    [info] = list_runs(bench.workspace)
    assert info.status == "failed" and info.error.startswith("the job process was killed")
    assert RunStore(folder).load_checkpoint("last")["step"] > 0
    bench.runs.refresh()
    assert bench.runs.model.frame["status"].iat[0] == "failed"
    assert bench.controls.start.isEnabled()

    bench.form.set_values({"epochs": 1})  # the pool started a fresh worker: Start trains again
    qtbot.mouseClick(bench.controls.start, Qt.MouseButton.LeftButton)
    assert isinstance(bench.driver.thread, JobProcess)
    wait_idle(qtbot, bench)
    assert "completed" in bench.messages.message()
    assert sorted(r.status for r in list_runs(bench.workspace)) == ["completed", "failed"]
