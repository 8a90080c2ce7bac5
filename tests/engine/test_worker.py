"""Jobs in a worker process (engine.worker): the same run as in this process, controls across the
pipe, and a worker that dies — killed, crashed, over its memory limit — reported with its cause
while its run folder keeps its last checkpoint.

The jobs that hog memory or crash are defined here, with no torch import at the top of this
module, so that the light pool's workers (which preload nothing) start in a fraction of a second."""

import ctypes
import os
import resource
import signal
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest

from engine import events as ev
from engine.control import RunControl
from engine.errors import UserError
from engine.jobs import Job, execute
from engine.params import param
from engine.runs import RunStore, read_metrics
from engine.worker import JobRefused, WorkerPool, death_cause, job_target, memory_of

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class HogParams:
    chunks: int = param(30, "chunks of 40 MB to take", minimum=1)


def _hog(p: HogParams, ctx):
    kept = []
    for _ in range(p.chunks):
        ctx.checkpoint()
        kept.append(np.ones(40 * 2**20 // 8))  # written, so resident
        time.sleep(0.02)
    return {"held_mb": 40 * len(kept)}


def _segfault(p: HogParams, ctx):
    ctx.checkpoint()
    ctypes.string_at(0)  # reads address 0: SIGSEGV in native code
    return {}


def note_pid(path):
    """A prefetch target: leaves a trace of the process that called it."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(str(os.getpid()))


HOG = Job("hog", "Takes memory", HogParams, _hog)
SEGFAULT = Job("segfault", "Crashes in native code", HogParams, _segfault)


@pytest.fixture(scope="module")
def pool():
    """Workers with torch preloaded, one torch thread each (as the tests' own process)."""
    p = WorkerPool(threads=1)
    p.warm()
    yield p
    p.close()


@pytest.fixture(scope="module")
def light_pool():
    """Workers that preload nothing and may hold 400 MB: for the jobs above."""
    p = WorkerPool(preload=(), preload_jobs=False, memory_limit=400 * 2**20)
    p.warm()
    yield p
    p.close()


def in_background(fn, *args, **kwargs):
    """Run ``fn`` on a thread; returns (thread, result dict filled with 'value' or 'error')."""
    result = {}

    def call():
        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            result["error"] = exc

    t = threading.Thread(target=call)
    t.start()
    return t, result


def wait_for(condition, timeout=60.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_job_target_names_registry_jobs_and_module_jobs():
    from engine.train.vae import JOB as VAE
    from tests.engine.toy import TOY

    assert job_target(VAE) == "vae"
    assert job_target(TOY) == "tests.engine.toy:TOY"
    assert job_target(HOG) == f"{__name__}:HOG"
    assert job_target(Job("local", "made in a function", HogParams, _hog)) is None


def test_a_job_no_worker_can_find_is_refused_before_a_worker_is_taken(tmp_path):
    pool = WorkerPool(preload=(), preload_jobs=False)  # never warmed: submit must not start one
    try:
        with pytest.raises(UserError, match="cannot be found by name"):
            pool.submit(Job("local", "made here", HogParams, _hog), HogParams(), tmp_path)
        assert pool.idle is None
    finally:
        pool.close()


def test_death_causes_name_the_signal_and_the_peak():
    assert death_cause(-9, 3 * 2**30) == "the job process was killed (signal 9, SIGKILL) — out of memory? peak 3 GB"
    assert "signal 11, SIGSEGV" in death_cause(-11, 0) and "peak memory unknown" in death_cause(-11, 0)
    assert death_cause(3, 2**29).startswith("the job process exited with code 3")
    assert "more than the worker's limit of 1 GB" in death_cause(-9, 2**31, over_limit=2**30)


def test_memory_of_reads_the_kernels_peak():
    rss, peak = memory_of(os.getpid())
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # the same high-water mark, in kB
    assert 0 < rss <= peak
    assert abs(peak - maxrss) <= 0.05 * maxrss


def test_a_real_vae_runs_in_the_worker_as_it_runs_here(pool, tmp_path):
    from engine.train.vae import JOB as VAE
    from engine.train.vae import VAEParams

    p = VAEParams(epochs=2, device="cpu")
    sink = ev.ListSink()
    out = pool.run(VAE, p, tmp_path / "worker", [sink])
    assert out.status == "completed"
    kinds = [type(e) for e in sink.events]
    assert kinds[0] is ev.Started and kinds[-1] is ev.Finished
    val = [e for e in sink.of(ev.Metrics) if e.phase == "val"]
    assert [e.epoch for e in val] == [0, 1]
    assert {a.kind for a in sink.of(ev.Artifact)} == {"image_pairs", "scatter", "image_grid"}
    curves = read_metrics(out.run_dir)
    assert (curves["phase"] == "val").sum() == 2
    status = RunStore(out.run_dir).status()
    assert status["status"] == "completed" and status["pid"] != os.getpid()  # written by the worker

    import torch

    torch.set_num_threads(1)
    here = execute(VAE, p, tmp_path / "here")  # the same seed, data and thread count: the same run
    assert out.summary == here.summary


def test_pause_resume_and_stop_early_cross_the_pipe(pool, tmp_path):
    from tests.engine.toy import TOY, ToyParams

    sink, control = ev.ListSink(), RunControl()
    t, result = in_background(pool.run, TOY, ToyParams(epochs=100000), tmp_path, [sink], control)
    wait_for(lambda: len(sink.of(ev.Metrics)) > 20)
    control.pause()
    time.sleep(1.0)  # the worker hears it within 50 ms and stops at its next batch
    seen = len(sink.events)
    time.sleep(1.0)
    assert len(sink.events) == seen, "events kept coming while paused"
    control.resume()
    wait_for(lambda: len(sink.events) > seen)
    control.request_stop()
    t.join(60)
    out = result["value"]
    assert out.status == "stopped"
    assert RunStore(out.run_dir).status()["status"] == "stopped"
    assert RunStore(out.run_dir).load_checkpoint("last")["step"] == sink.events[-1].step


def test_cancel_crosses_the_pipe(pool, tmp_path):
    from tests.engine.toy import TOY, ToyParams

    sink, control = ev.ListSink(), RunControl()
    t, result = in_background(pool.run, TOY, ToyParams(epochs=100000), tmp_path, [sink], control)
    wait_for(lambda: len(sink.of(ev.Metrics)) > 20)
    control.cancel()
    t.join(60)
    out = result["value"]
    assert out.status == "cancelled" and sink.events[-1] == ev.Finished(out.run_dir.name, sink.events[-1].step,
                                                                         "cancelled", {})
    assert RunStore(out.run_dir).status()["status"] == "cancelled"
    assert RunStore(out.run_dir).has_checkpoint("last")


def test_a_killed_worker_fails_its_run_keeps_its_checkpoint_and_the_next_job_resumes_it(pool, tmp_path):
    from tests.engine.toy import TOY, ToyParams

    sink = ev.ListSink()
    p = ToyParams(epochs=100000)
    worker = pool.submit(TOY, p, tmp_path)
    t, result = in_background(pool.follow, worker, [sink], RunControl())
    started = lambda: sink.of(ev.Started)  # noqa: E731
    wait_for(lambda: started() and RunStore(started()[0].run_dir).has_checkpoint("last")
             and len([m for m in sink.of(ev.Metrics) if m.phase == "val"]) >= 2)
    os.kill(worker.pid, signal.SIGKILL)
    t.join(30)
    out = result["value"]
    assert out.status == "failed"
    assert out.error.startswith("the job process was killed (signal 9, SIGKILL) — out of memory? peak ")
    assert sink.events[-1] == ev.Failed(out.run_dir.name, sink.events[-1].step, out.error, "")
    store = RunStore(out.run_dir)
    status = store.status()
    assert status["status"] == "failed" and status["error"] == out.error
    assert status["peak_memory"] > 50 * 2**20  # a worker with torch loaded holds far more than 50 MB
    saved = store.load_checkpoint("last")["step"]
    assert 0 < saved <= sink.events[-1].step
    assert out.error in (out.run_dir / "log.txt").read_text(encoding="utf-8")

    again = ev.ListSink()  # the pool's next worker takes the next job: the run, resumed from last.pt
    resumed = pool.run(TOY, ToyParams(epochs=saved // 6 + 2), tmp_path, [again], resume_dir=out.run_dir)
    assert resumed.status == "completed" and resumed.run_dir == out.run_dir
    assert again.of(ev.Started)[0].resumed and again.of(ev.Started)[0].step == saved


def test_a_run_that_cannot_start_is_refused_with_the_workers_own_words(pool, tmp_path):
    from tests.engine.toy import TOY, ToyParams

    empty = tmp_path / "not-a-run"
    empty.mkdir()
    with pytest.raises(UserError) as here:
        execute(TOY, ToyParams(), tmp_path, resume_dir=empty)
    with pytest.raises(JobRefused) as there:
        pool.run(TOY, ToyParams(), tmp_path, resume_dir=empty)
    assert str(there.value) == str(here.value)
    assert "Traceback" in there.value.details


def test_a_worker_over_its_memory_limit_is_stopped(light_pool, tmp_path):
    sink = ev.ListSink()
    out = light_pool.run(HOG, HogParams(chunks=30), tmp_path, [sink])  # 1.2 GB asked, 400 MB allowed
    assert out.status == "failed"
    assert "more than the worker's limit of 0.391 GB" in out.error  # 400 MB
    status = RunStore(out.run_dir).status()
    assert status["status"] == "failed" and status["error"] == out.error
    assert 400 * 2**20 < status["peak_memory"] < 1200 * 2**20  # stopped on the way, not at the end


def test_a_segfault_in_the_worker_fails_the_run_not_this_process(light_pool, tmp_path):
    sink = ev.ListSink()
    out = light_pool.run(SEGFAULT, HogParams(), tmp_path, [sink])
    assert out.status == "failed"
    assert out.error.startswith("the job process crashed (signal 11, SIGSEGV)")
    assert isinstance(sink.events[-1], ev.Failed)
    assert RunStore(out.run_dir).status()["status"] == "failed"


def test_a_warm_worker_prefetches_and_survives_a_failing_prefetch(tmp_path):
    pool = WorkerPool(preload=(), preload_jobs=False)
    try:
        pool.warm()
        pool.prefetch(f"{__name__}:note_pid", str(tmp_path / "no" / "trace"))  # fails there, quietly
        pool.prefetch(f"{__name__}:note_pid", str(tmp_path / "trace"))
        worker = pool.idle
        assert worker.wait_ready(120)
        assert (tmp_path / "trace").read_text(encoding="utf-8") == str(worker.pid)
        out = pool.run(HOG, HogParams(chunks=1), tmp_path)
        assert out.status == "completed" and out.summary == {"held_mb": 40}
        assert pool.idle is not worker and pool.idle.wait_ready(120)  # the next worker was asked too
        assert (tmp_path / "trace").read_text(encoding="utf-8") == str(pool.idle.pid)
    finally:
        pool.close()
