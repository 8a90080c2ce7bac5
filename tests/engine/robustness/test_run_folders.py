"""Damaged run folders, a workspace that cannot hold runs, two resumes at once, kill -9 and resume,
and damaged checkpoints: each gives one line naming the file, and nothing else breaks."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import events as ev
from engine.control import RunControl
from engine.errors import UserError
from engine.jobs import execute, resume_job
from engine.runs import RunLocked, RunStore, WorkspaceError, list_runs, read_metrics, run_info
from tests.engine.robustness.helpers import leftovers, one_line
from tests.engine.toy import TOY, ToyParams

JOBS = {"toy": TOY}


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """One finished toy run, copied by each test that damages it."""
    out = execute(TOY, ToyParams(epochs=2), tmp_path_factory.mktemp("good"))
    return out.run_dir


def copy_run(good_run, workspace, name="20990101-000000-toy-aaaaaa"):
    target = workspace / "runs" / name
    shutil.copytree(good_run, target)
    return target


def _status(**fields):
    return json.dumps({"status": "running", "host": socket.gethostname(), **fields}).encode()


METRIC = {"step": 1, "epoch": 0, "phase": "train"}
DAMAGES = {
    "config holds a list": ("config.json", b"[1, 2, 3]"),
    "config is not JSON": ("config.json", b"{\"job\": \"toy\", "),
    "config is binary": ("config.json", bytes(range(256))),
    "config is empty": ("config.json", b""),
    "config without params": ("config.json", b'{"job": "toy", "params": null}'),
    "status pid is text": ("status.json", _status(pid="abc")),
    "status pid is a list": ("status.json", _status(pid=[1])),
    "status holds a list": ("status.json", b"[]"),
    "status unknown": ("status.json", b'{"status": "exploded"}'),
    "status is binary": ("status.json", b"\xff\xfe\x00garbage"),
    "metrics are binary": ("metrics.jsonl", bytes(range(256)) * 4),
    "metrics lines are not objects": ("metrics.jsonl", b'1\n"x"\n[1, 2]\nnull\ntrue\n'),
    "metrics loss is text": ("metrics.jsonl", json.dumps({**METRIC, "loss": "abc"}).encode() + b"\n"),
    "metrics step is text": ("metrics.jsonl", json.dumps({**METRIC, "step": "abc", "loss": 1}).encode() + b"\n"),
    "metrics loss is an object": ("metrics.jsonl", json.dumps({**METRIC, "loss": {"a": 1}}).encode() + b"\n"),
    "metrics step is infinite": ("metrics.jsonl", b'{"step": Infinity, "phase": "train", "loss": 1}\n'),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_one_damaged_folder_does_not_stop_the_listing(good_run, tmp_path, damage):
    name, content = DAMAGES[damage]
    bad = copy_run(good_run, tmp_path, "20990101-000000-toy-bad000")
    copy_run(good_run, tmp_path, "20990101-000001-toy-good00")
    (bad / name).write_bytes(content)
    infos = {i.run_id: i for i in list_runs(tmp_path)}
    assert set(infos) == {"20990101-000000-toy-bad000", "20990101-000001-toy-good00"}
    good = infos["20990101-000001-toy-good00"]
    assert good.status == "completed" and good.problem is None and "val/loss" in good.final
    info = infos["20990101-000000-toy-bad000"]
    assert all(isinstance(v, float) and np.isfinite(v) for v in info.final.values())
    if name == "config.json" and damage != "config without params":
        assert info.problem and "config.json" in info.problem and info.job == "?"
    if name == "status.json":
        assert info.status == "interrupted"


def test_a_folder_without_config_is_listed_with_its_problem(good_run, tmp_path):
    run = copy_run(good_run, tmp_path)
    (run / "config.json").unlink()
    [info] = list_runs(tmp_path)
    assert info.problem == "config.json: missing (not a run folder)"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["config.json", "status.json", "metrics.jsonl"]), content=st.binary(max_size=300))
def test_random_bytes_in_any_file_are_listed(good_run, tmp_path, name, content):
    run = tmp_path / "runs" / "20990101-000000-toy-rand00"
    if run.exists():
        shutil.rmtree(run)
    copy_run(good_run, tmp_path, run.name)
    (run / name).write_bytes(content)
    info = run_info(run)
    assert info.status in ("running", "completed", "stopped", "cancelled", "failed", "interrupted")
    frame = read_metrics(run)
    for phase, part in frame.groupby("phase") if not frame.empty else []:
        assert part["step"].is_monotonic_increasing and part["step"].is_unique, phase


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(
    st.fixed_dictionaries({"step": st.integers(0, 50), "phase": st.sampled_from(["train", "val"]),
                           "loss": st.one_of(st.floats(allow_nan=True), st.text(max_size=3), st.none())}),
    st.binary(max_size=20)), max_size=40))
def test_metrics_read_back_monotone_whatever_was_written(tmp_path, lines):
    raw = b"".join((json.dumps(x).encode() if isinstance(x, dict) else x.replace(b"\n", b"")) + b"\n"
                   for x in lines)
    (tmp_path / "metrics.jsonl").write_bytes(raw)
    frame = read_metrics(tmp_path)
    if frame.empty:
        return
    assert frame["step"].dtype.kind in "if" and (frame["loss"].dtype.kind == "f" if "loss" in frame else True)
    for _, part in frame.groupby("phase"):
        assert part["step"].is_monotonic_increasing and part["step"].is_unique
    # the last record of each phase always survives: the newest word on a step wins
    records = [x for x in lines if isinstance(x, dict)]
    for phase in {r["phase"] for r in records}:
        last = [r for r in records if r["phase"] == phase][-1]
        assert frame[frame["phase"] == phase]["step"].iloc[-1] == last["step"]


# -- creating runs where they cannot be made -----------------------------------------------
def test_full_disk_before_the_run_starts_leaves_no_folder(small_disk):
    (small_disk.path / "runs").mkdir()
    small_disk.fill(leave=0)
    with pytest.raises(WorkspaceError) as info:
        RunStore.create(small_disk.path, "toy", {"params": {"x": "y" * 2000}})
    assert "cannot create a run folder" in one_line(info.value)
    assert list((small_disk.path / "runs").iterdir()) == []


@pytest.mark.parametrize("failing", ["write_config", "write_status"])
def test_a_failed_write_while_creating_removes_the_folder(tmp_path, monkeypatch, failing):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RunStore, failing, full)
    with pytest.raises(WorkspaceError, match="No space left on device"):
        execute(TOY, ToyParams(epochs=1), tmp_path)
    assert list((tmp_path / "runs").iterdir()) == []


def test_a_workspace_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "ws").write_text("x")
    with pytest.raises(WorkspaceError) as info:
        execute(TOY, ToyParams(epochs=1), tmp_path / "ws")
    one_line(info.value)


# -- the lock ------------------------------------------------------------------------
HOLD = textwrap.dedent("""
    import sys, time
    from engine.runs import RunStore
    s = RunStore.open(sys.argv[1])
    s.acquire_lock()
    print("locked", flush=True)
    time.sleep(60)
""")


def test_a_second_resume_is_refused_with_the_pid_and_a_dead_holder_is_taken_over(good_run, tmp_path):
    run = copy_run(good_run, tmp_path)
    before = (run / "metrics.jsonl").read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run)], stdout=subprocess.PIPE, text=True,
                              cwd=os.getcwd())
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunLocked) as info:
            execute(TOY, ToyParams(epochs=3), tmp_path, resume_dir=run)
        assert f"already running (pid {holder.pid}" in one_line(info.value)
        assert (run / "metrics.jsonl").read_bytes() == before
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert (run / "lock").read_text().split()[0] == str(holder.pid)  # the dead holder's stale lock
    out = execute(TOY, ToyParams(epochs=3), tmp_path, resume_dir=run)
    assert out.status == "completed"
    assert (run / "lock").read_text() == ""  # released


def test_two_resumes_at_once_in_one_process(good_run, tmp_path):
    run = copy_run(good_run, tmp_path)
    control, started = RunControl(), threading.Event()

    class Pause:
        def __call__(self, event):
            if isinstance(event, ev.Started):
                control.pause()
                started.set()

    result = {}
    first = threading.Thread(target=lambda: result.update(
        out=execute(TOY, ToyParams(epochs=3), tmp_path, [Pause()], control, resume_dir=run)))
    first.start()
    assert started.wait(30)
    try:
        with pytest.raises(RunLocked, match="already running"):
            execute(TOY, ToyParams(epochs=3), tmp_path, resume_dir=run)
    finally:
        control.resume()
        first.join(60)
    assert result["out"].status == "completed"
    steps = read_metrics(run)
    assert steps[steps.phase == "val"]["epoch"].tolist() == [0, 1, 2]  # each metric written once


# -- kill -9 and resume ------------------------------------------------------------------
KILL = textwrap.dedent("""
    import os, signal, sys
    from engine import events as ev
    from engine.jobs import execute
    from tests.engine.toy import TOY, ToyParams

    def die(event):  # in epoch 3, after the first metrics of the epoch are on disk
        if isinstance(event, ev.Metrics) and event.epoch == 2 and event.phase == "train":
            os.kill(os.getpid(), signal.SIGKILL)

    execute(TOY, ToyParams(epochs=4), sys.argv[1], [die])
""")


@pytest.mark.slow
def test_kill_9_mid_epoch_then_resume_gives_the_straight_runs_curves(tmp_path):
    subprocess.run([sys.executable, "-c", KILL, str(tmp_path / "killed")], cwd=os.getcwd(), check=False)
    [info] = list_runs(tmp_path / "killed")
    assert info.status == "interrupted"
    ckpt_step = RunStore(info.path).load_checkpoint("last")["step"]
    abandoned = read_metrics(info.path)
    assert abandoned["step"].max() > ckpt_step  # lines after the checkpoint: to be dropped
    out = execute(TOY, ToyParams(epochs=4), tmp_path, resume_dir=info.path)
    assert out.status == "completed"
    straight = execute(TOY, ToyParams(epochs=4), tmp_path / "straight")
    cols = ["phase", "step", "epoch", "loss"]
    resumed = read_metrics(info.path)[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(resumed, read_metrics(straight.run_dir)[cols].reset_index(drop=True))
    on_disk = [json.loads(x)["step"] for x in (info.path / "metrics.jsonl").read_text().splitlines()]
    train_steps = [s for s, p in zip(on_disk, [json.loads(x)["phase"] for x in
                                              (info.path / "metrics.jsonl").read_text().splitlines()])
                   if p == "train"]
    assert train_steps == sorted(set(train_steps))  # the file itself no longer doubles back


def test_resume_drops_a_torn_line_and_the_lines_after_the_checkpoint(good_run, tmp_path):
    run = copy_run(good_run, tmp_path)
    step = RunStore(run).load_checkpoint("last")["step"]
    with open(run / "metrics.jsonl", "a") as fh:
        fh.write(json.dumps({"step": step + 1, "epoch": 2, "phase": "train", "loss": 999.0}) + "\n")
        fh.write('{"step": 99, "pha')  # torn by the kill
    execute(TOY, ToyParams(epochs=3), tmp_path, resume_dir=run)
    text = (run / "metrics.jsonl").read_text()
    assert "999.0" not in text and '"pha\n' not in text and '{"step": 99' not in text
    assert all(json.loads(line) for line in text.splitlines())


# -- damaged checkpoints -------------------------------------------------------------------
def _checkpoint_refused(call, shown):
    with pytest.raises(UserError) as info:
        call()
    assert shown in one_line(info.value)
    return str(info.value)


@pytest.fixture(scope="module")
def checkpoint_bytes(good_run):
    return (good_run / "checkpoints" / "last.pt").read_bytes()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncated_checkpoints_are_one_line_naming_the_file(good_run, tmp_path, checkpoint_bytes, data):
    cut = data.draw(st.integers(0, len(checkpoint_bytes) - 1), label="cut")
    run = tmp_path / "runs" / "20990101-000000-toy-cut000"
    if not run.exists():
        copy_run(good_run, tmp_path, run.name)
    (run / "checkpoints" / "last.pt").write_bytes(checkpoint_bytes[:cut])
    _checkpoint_refused(lambda: RunStore(run).load_checkpoint("last"), "checkpoints/last.pt")


@pytest.mark.parametrize("content", [b"", b"\x00" * 64, bytes(range(256)) * 8, b"PK\x03\x04junk",
                                     b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00]\x94."],  # a pickled list
                         ids=["empty", "zeros", "random", "zip-header", "pickled-list"])
def test_every_caller_of_a_damaged_checkpoint_gets_one_line(good_run, tmp_path, content):
    run = copy_run(good_run, tmp_path)
    status_before = (run / "status.json").read_bytes()
    (run / "checkpoints" / "last.pt").write_bytes(content)
    _checkpoint_refused(lambda: execute(TOY, ToyParams(epochs=3), tmp_path, resume_dir=run),
                        "checkpoints/last.pt")
    assert (run / "status.json").read_bytes() == status_before and (run / "lock").read_text() == ""
    # sampling and predicting load best.pt (else last.pt): fake a generator's and a classifier's run
    for job, data in (("gan", {"shape": [2]}), ("spectra", {"classes": ["a", "b"], "shape": [2600]})):
        (run / "checkpoints" / "best.pt").write_bytes(content)
        cfg = {"job": job, "params": {}, "data": data}
        (run / "config.json").write_text(json.dumps(cfg))
        if job == "gan":
            from engine.train.sampling import sample_run

            _checkpoint_refused(lambda: sample_run(run, 4), "checkpoints/best.pt")
        else:
            from engine.spectra.training import predict

            _checkpoint_refused(lambda: predict(run, tmp_path), "checkpoints/best.pt")


@pytest.mark.parametrize("config, expected", [
    (b'{"job": "toy", "params": null}', "'params' is null"),
    (b'{"job": "toy"}', "'params' is null"),
    (b"[1]", "a JSON list, not an object"),
    (b'{"job": "toy", "params": {"epochs": "abc"}}', "damaged params"),
    (b'{"job": "nope", "params": {}}', "'nope' run"),
    (b"\xff\xfe", "not JSON"),
])
def test_resume_with_a_damaged_config_names_the_file(good_run, tmp_path, config, expected):
    run = copy_run(good_run, tmp_path)
    (run / "config.json").write_bytes(config)
    with pytest.raises(UserError) as info:
        resume_job(run, JOBS)
    assert "config.json" in one_line(info.value) and expected in str(info.value)


def test_resume_job_applies_changes_and_refuses_unknown_ones(good_run, tmp_path):
    run = copy_run(good_run, tmp_path)
    job, p = resume_job(run, JOBS, epochs=5)
    assert job is TOY and p == ToyParams(epochs=5)
    with pytest.raises(UserError, match="no 'lr' to change"):
        resume_job(run, JOBS, lr=0.1)


def test_no_temporary_is_left_in_a_finished_run(good_run):
    assert leftovers(good_run) == []


def test_a_cancel_that_comes_while_stopping_ends_cancelled(tmp_path):
    """A second Ctrl-C 50 ms after the first: the terminal says "cancelling…", so must the run."""
    control = RunControl()

    def second_ctrl_c(event):
        if isinstance(event, ev.Metrics) and event.phase == "train" and event.step == 2:
            control.request_stop()
        if isinstance(event, ev.Log) and event.message.startswith("stopped early"):
            control.cancel()  # the job is saving and returning: too late to raise Cancelled

    out = execute(TOY, ToyParams(epochs=3), tmp_path, [second_ctrl_c], control)
    assert out.status == "cancelled" and RunStore(out.run_dir).status()["status"] == "cancelled"
