"""Jobs: the one way work runs, from the GUI, the command line or a test.

A :class:`Job` pairs a params dataclass with a function ``run(params, ctx)``.
:func:`execute` checks the params and the data (the job's ``precheck``, before
any folder exists, so a refused input leaves nothing behind), creates (or
reopens and locks) the run folder, wires the sinks, calls the function, and
turns its ending — normal, stopped early, cancelled, or an exception — into
exactly one terminal event and a status on disk.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import platformdirs

from engine import events as ev
from engine import params as prm
from engine.control import Cancelled, RunControl
from engine.errors import UserError
from engine.runs import RunFolderError, RunStore
from engine.tasks import TaskContext


def default_workspace() -> Path:
    return Path(platformdirs.user_data_dir("kexue-workbench", appauthor=False)) / "workspace"


class JobError(UserError):
    """A failure the user can act on (bad data, impossible settings): shown as one line."""


@dataclass(frozen=True)
class Job:
    name: str
    title: str
    params: type
    run: Callable[[Any, "JobContext"], Mapping[str, Any]]
    description: str = ""
    metrics: tuple[str, ...] = ()  # the curves it reports, so a GUI can lay them out before the run
    datasets: tuple[str, ...] = ()  # built-in data it offers besides files
    pictures: Mapping[str, str] = field(default_factory=dict)  # artifact kind → its title, before one is drawn
    summary_metric: str = "loss"  # the validation metric a run list shows
    # (params, sample shape) → its TrainTask on the CPU, for drawing samples from a saved run
    restore: Callable[[Any, tuple[int, ...]], Any] | None = None
    # params → None, or a UserError: a cheap look at the data (headers, not contents) and the
    # memory the run would need, made before a run folder exists (engine.train.precheck)
    precheck: Callable[[Any], None] | None = None
    # (params, run store, config, task context) → engine.train.features.FeatureSet: what a trained
    # run's model makes of its data, for the Clusters bench
    features: Callable[[Any, Any, dict[str, Any], Any], Any] | None = None


class JobContext(TaskContext):
    """What a running job sees: its run folder, its control, and ``emit``.

    It is a task context too, so the work a job does before its loop (loading
    10,000 spectra) reports progress and answers Cancel the way any task does."""

    def __init__(self, run_id: str, store: RunStore, control: RunControl, sinks: Iterable[ev.Sink],
                 resume: dict[str, Any] | None = None) -> None:
        super().__init__(control, on_progress=self._task_progress, on_log=self._emit_log, interval=0.25)
        self.run_id = run_id
        self.store = store
        self.resume = resume
        self._sinks = list(sinks)
        self.step = 0
        self._t0 = time.monotonic()

    def _task_progress(self, done: float, total: float | None, text: str) -> None:
        self.emit(ev.Progress(self.run_id, int(done), None if total is None else int(total),
                              time.monotonic() - self._t0, None, text=text))

    def _emit_log(self, level: str, message: str) -> None:
        self.emit(ev.Log(self.run_id, self.step, level, message))

    def emit(self, event: ev.Event) -> None:
        for sink in self._sinks:
            sink(event)

    def metrics(self, phase: str, epoch: int, values: Mapping[str, float]) -> None:
        self.emit(ev.Metrics(self.run_id, self.step, phase, epoch, dict(values)))

    def artifact(self, kind: str, name: str, payload: Mapping[str, Any]) -> None:
        self.emit(ev.Artifact(self.run_id, self.step, kind, name, dict(payload)))


@dataclass
class Outcome:
    status: str
    run_dir: Path
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def execute(job: Job, params: Any, workspace: Path | str, sinks: Iterable[ev.Sink] = (),
            control: RunControl | None = None, resume_dir: Path | str | None = None) -> Outcome:
    """Run ``job`` to its end and return how it ended; never raises for errors of the job's run.

    With ``resume_dir`` the run continues in that folder from ``last.pt``; the
    metric lines recorded after that checkpoint (an interrupted epoch) are
    dropped first, since the run records them again.  While the job runs its
    folder is locked.

    Raises a :class:`UserError` and leaves no run folder (or the resumed one
    as it was) when the run cannot start: params out of range, data the job's
    ``precheck`` refuses, a workspace where no folder can be made
    (:class:`engine.runs.WorkspaceError`), a run already running
    (:class:`engine.runs.RunLocked`), a damaged checkpoint or config.
    """
    prm.check(params)
    if job.precheck is not None:
        job.precheck(params)
    control = control or RunControl()
    config = {"params": prm.to_dict(params)}
    if resume_dir is None:
        store = RunStore.create(workspace, job.name, config)
        store.acquire_lock()
        resume = None
    else:
        store = RunStore.open(resume_dir)
        store.acquire_lock()
        try:
            resume = store.load_checkpoint("last")
            step = resume.get("step")
            if isinstance(step, bool) or not isinstance(step, int) or step < 0:
                raise RunFolderError(f"{store.path.name}/checkpoints/last.pt: damaged (no step count)")
            store.update_config(**config, resumed=time.strftime("%Y-%m-%dT%H:%M:%S"))
            dropped = store.truncate_metrics(step)
            store.last_step = step
        except BaseException:
            store.release_lock()
            raise
    run_id = store.path.name
    ctx = JobContext(run_id, store, control, [store, *sinks], resume=resume)
    ctx.step = store.last_step
    ctx.emit(ev.Started(run_id, ctx.step, job.name, config["params"], str(store.path), resume is not None))
    if resume is not None and dropped:
        ctx.log(f"dropped {dropped} metric line(s) recorded after step {ctx.step}, the checkpoint resumed "
                f"from (an interrupted epoch, trained again now)")
    try:
        summary = dict(job.run(params, ctx) or {})
        # a cancel that came while the job was stopping (a second Ctrl-C) is what the user asked last
        status = "cancelled" if control.cancel_requested else "stopped" if control.stop_requested else "completed"
        ctx.emit(ev.Finished(run_id, ctx.step, status, summary))
        return Outcome(status, store.path, summary)
    except Cancelled:
        ctx.emit(ev.Finished(run_id, ctx.step, "cancelled", {}))
        return Outcome("cancelled", store.path)
    except Exception as exc:  # every failure ends the run cleanly, with its cause recorded
        lines = str(exc).strip().splitlines()  # one line to show; the traceback goes to the log
        message = lines[0] if lines else ""
        if not isinstance(exc, UserError):
            message = f"{exc.__class__.__name__}: {message}" if message else exc.__class__.__name__
        ctx.emit(ev.Failed(run_id, ctx.step, message, traceback.format_exc()))
        return Outcome("failed", store.path, error=message)
    finally:
        store.close()


def resume_job(run_dir: Path | str, jobs: Mapping[str, Job], **changes: Any) -> tuple[Job, Any]:
    """The job and params to resume ``run_dir`` with, ``changes`` applied (``epochs=40``).

    Raises a one-line :class:`UserError` naming config.json when it is damaged, names a job
    not in ``jobs`` or holds params that no longer check."""
    store = RunStore.open(run_dir)
    name, values = store.job_and_params()
    where = store.path / "config.json"
    job = jobs.get(name)
    if job is None:
        raise RunFolderError(f"{where}: a '{name}' run, which this workbench does not train")
    fields = {s.name for s in prm.specs(job.params)}
    for key in changes:
        if key not in fields:
            raise UserError(f"a {job.title} run has no '{key}' to change")
    try:
        saved = prm.from_dict(job.params, values)
    except (TypeError, ValueError) as exc:
        raise RunFolderError(f"{where}: damaged params ({str(exc).splitlines()[0] if str(exc) else exc})") from exc
    return job, prm.from_dict(job.params, {**prm.to_dict(saved), **changes})
