"""Runs a training job for a bench and routes its events to the bench's views.

It owns the bridge, the job's thread and the run controls' wiring — what every
training bench used to repeat — and dispatches each artifact to a view by its
kind through a table the bench gives (``{"confusion": show_confusion, …}``),
so a new picture is one line in that table, not a new ``elif``.

The views show the live run's pictures, or — when the run list selects one past
run — that run's saved pictures, with :attr:`JobDriver.steps` to step back
through them; the live run's latest pictures come back when the selection ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from PySide6.QtCore import QObject, Signal

from engine import events as ev
from engine import params as prm
from engine import registry
from engine.errors import UserError
from engine.runs import read_metrics, read_picture, saved_pictures
from gui.bridge import EngineBridge
from gui.process_runner import job_runner
from gui.runner import JobThread
from gui.widgets.live_plot import MetricsPanel
from gui.widgets.message_bar import MessageBar
from gui.widgets.picture_steps import PictureSteps
from gui.widgets.run_controls import RunControls

ENDINGS = {"completed": "Run completed", "stopped": "Stopped early; the model was saved",
           "cancelled": "Cancelled; the last saved checkpoint is kept"}


class JobDriver(QObject):
    started = Signal(object)  # ev.Started
    finished = Signal(object)  # ev.Finished or ev.Failed: how the run ended
    ended = Signal()  # the job's thread is over (after every event was delivered)
    pictures_changed = Signal()  # another run's pictures are on screen: ``drawn`` says which kinds
    device_memory = Signal(object)  # bytes the running job holds on its GPU; None when none (or it ended)

    def __init__(self, parent: QObject, controls: RunControls, curves: MetricsPanel, messages: MessageBar,
                 views: Mapping[str, Callable[[ev.Artifact], None]]) -> None:
        super().__init__(parent)
        self.controls, self.curves, self.messages = controls, curves, messages
        self.views = dict(views)
        self.thread: JobThread | None = None
        self.outcome = ""  # how the last run ended, for the progress bar
        self.current_run: str | None = None
        self.drawn: set[str] = set()  # artifact kinds drawn by the run on screen
        self.shown: Path | None = None  # a past run whose saved pictures are on screen; None: the live run
        self._live: dict[tuple[str, str], ev.Artifact] = {}  # the live run's latest pictures
        self._saved: dict[tuple[str, str], list[int]] = {}
        self._first: dict[tuple[str, str], dict[str, Any]] = {}  # a shown run's first picture of each kind
        self.steps = PictureSteps()
        self.steps.step_chosen.connect(self._show_step)
        self.steps.live.clicked.connect(lambda: self.show_run(None))
        self.bridge = b = EngineBridge(self)
        controls.drive(lambda: self.thread)
        b.started.connect(self._on_started)
        b.progress.connect(lambda e: controls.set_progress(e.step, e.total, e.eta, e.epoch, e.text))
        b.progress.connect(lambda e: e.device_memory is not None and self.device_memory.emit(e.device_memory))
        b.metrics.connect(lambda batch: [curves.add_point(m.run_id, m.phase, m.step, dict(m.values), epoch=m.epoch)
                                         for m in batch])
        b.artifact.connect(self._on_artifact)
        b.log.connect(lambda e: e.level in ("warning", "error") and messages.warning(e.message))
        b.finished.connect(self._on_finished)
        b.failed.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return self.thread is not None

    def start(self, job: Any, params: Any, workspace: Path, resume_dir: Path | None = None,
              in_process: bool | None = None) -> None:
        """Run ``job``: in the app's worker process when it has one, else (or ``in_process``) on a
        thread of this process (gui.process_runner.job_runner)."""
        self.messages.clear()
        self.outcome = ""
        self._live.clear()
        self.show_run(None)
        self.drawn = set()  # the new run has drawn nothing yet (the last one's kinds would keep its panels)
        self.bridge.expect_new_run()
        self.thread = job_runner(job, params, workspace, self.bridge.sink, resume_dir, in_process)
        self.thread.crashed.connect(self.messages.error)
        self.thread.crashed.connect(lambda *_: setattr(self, "outcome", "failed: the job's process ended"))
        self.thread.finished.connect(self._on_thread_end)
        self.controls.set_running()
        self.controls.bar.setValue(0)
        self.controls.bar.setFormat("starting…")
        self.thread.start()

    def forget_live(self) -> None:
        """Let go of the last live run's pictures and how it ended: another experiment is on
        screen, and a past run's pictures or outcome must not show under its panels (a run
        still going keeps them)."""
        if self.busy:
            return
        self._live.clear()
        self.drawn = set()
        self.outcome = ""
        self.controls.reset()

    def settings_of(self, run_dir: Path) -> tuple[str, dict[str, Any]] | None:
        """(job name, params as a dict) a past run was started with, to put back in a form ("run
        again"); None (said on the message bar) when its config cannot be used."""
        try:
            job, params = registry.job_of_run(run_dir)
        except UserError as exc:
            self.messages.error(str(exc))
            return None
        return job.name, prm.to_dict(params)

    def prepare_resume(self, run_dir: Path) -> tuple[Any, Any] | None:
        """The job and params to resume ``run_dir`` with, its curves reloaded so far; None (said on the
        message bar) when a job runs or the run cannot be resumed."""
        if self.busy:
            return None
        try:
            job, params = registry.job_of_run(run_dir)
        except UserError as exc:
            self.messages.error(f"cannot resume {run_dir.name}: {exc}")
            return None
        self.curves.remove_run(run_dir.name)
        self.curves.add_frame(run_dir.name, read_metrics(run_dir))
        return job, params

    def _on_started(self, e: ev.Started) -> None:
        self.current_run = e.run_id
        self.started.emit(e)

    def _on_artifact(self, a: ev.Artifact) -> None:
        before = self._live.get((a.kind, a.name))
        if before is not None and not set(before.payload) <= set(a.payload):  # parts sent once stay
            a = ev.Artifact(a.run_id, a.step, a.kind, a.name, {**before.payload, **a.payload})
        self._live[(a.kind, a.name)] = a
        if self.shown is None:
            self._draw(a)

    def _draw(self, a: ev.Artifact) -> None:
        view = self.views.get(a.kind)
        if view is not None:
            self.drawn.add(a.kind)
            view(a)

    def show_run(self, run_dir: Path | None, several: bool = False) -> None:
        """Put a past run's saved pictures on screen (its latest, the slider to go back), or with
        None (or the live run) the live run's latest pictures again — named when ``several`` runs'
        curves are selected, so none of the others is taken for theirs."""
        if run_dir is not None and run_dir.name == self.current_run and self.busy:
            run_dir = None
        if run_dir is None:
            if several and self._live and self.current_run:
                self.steps.name_live(self.curves.run_label(self.current_run))
            else:
                self.steps.hide()
            if self.shown is None:  # the live pictures are on screen already
                return
        self.shown = run_dir
        self.drawn = set()
        if run_dir is None:
            for a in self._live.values():
                self._draw(a)
        else:
            self._saved = {key: steps for key, steps in saved_pictures(run_dir).items() if key[0] in self.views}
            self._first = {}
            self.steps.set_steps(run_dir.name, sorted({s for steps in self._saved.values() for s in steps}))
        self.pictures_changed.emit()

    def _show_step(self, step: int) -> None:
        """Each of the shown run's pictures as it was at ``step`` (its latest saved by then)."""
        if self.shown is None:
            return
        self.drawn = set()
        for (kind, name), steps in self._saved.items():
            at = max((s for s in steps if s <= step), default=steps[0])
            payload = read_picture(self.shown, kind, name, at)
            if payload is not None and at != steps[0]:  # the parts sent once came with the first picture
                if (kind, name) not in self._first:
                    self._first[(kind, name)] = read_picture(self.shown, kind, name, steps[0]) or {}
                payload = {**self._first[(kind, name)], **payload}
            if payload is not None:
                self._draw(ev.Artifact(self.shown.name, at, kind, name, payload))
        self.pictures_changed.emit()

    def _on_finished(self, e: ev.Finished) -> None:
        self.outcome = f"{e.status} at step {e.step:,}"
        if self.messages.level != "warning":
            self.messages.info(f"{ENDINGS.get(e.status, e.status)} ({e.run_id}).")
        self.finished.emit(e)

    def _on_failed(self, e: ev.Failed) -> None:
        self.outcome = f"failed at step {e.step:,}" if e.step else "failed before its first step"
        self.messages.error(f"Run failed: {e.message}", e.traceback)
        self.finished.emit(e)

    def _on_thread_end(self) -> None:
        if self.thread is None:
            return  # already wound up by shutdown
        self.bridge.drain()  # the terminal event before letting go
        self.curves.redraw()
        self.thread = None
        self.controls.set_ended(self.outcome or "ended")
        self.device_memory.emit(None)
        self.ended.emit()

    def shutdown(self, wait_ms: int = 10000) -> None:
        if self.thread is not None:
            self.thread.control.cancel()
            if not self.thread.wait(wait_ms) and hasattr(self.thread, "kill"):
                self.thread.kill()  # a worker that does not answer Cancel: its run is marked failed
                self.thread.wait(wait_ms)
            if not self.thread.isRunning():
                self._on_thread_end()
