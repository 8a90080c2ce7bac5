"""What every bench is: a titled page with a message bar, background runners it
owns and stops on close, and settings it remembers between sessions.

The main window needs no more of a bench than this base provides (``title``,
``busy``, ``splitters``, ``set_workspace``, ``shutdown``); a bench adds its
panels and asks the base for runners.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from PySide6.QtWidgets import QSplitter, QWidget

from engine import params as prm
from gui import settings
from gui.runner import TaskRunner
from gui.widgets.message_bar import MessageBar
from gui.widgets.params_form import ParamsForm


class Bench(QWidget):
    title = "Bench"
    start_here = ""  # one line: what a new user does first (Help ▸ Start here, the status bar)
    primary: tuple[QWidget, ...] = ()  # the controls Start/Stop shortcuts press, when the bench names them
    settings_version = 1  # raise it when remembered values change meaning: older ones are dropped

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.messages = MessageBar()
        self.splitters: dict[str, QSplitter] = {}
        self._runners: list[TaskRunner] = []
        self._jobs: list[Any] = []  # job drivers (gui.widgets.job_driver.JobDriver)

    # -- background work --------------------------------------------------------
    def runner(self, done: Callable[[Any], None] | None = None, *, latest_wins: bool = False) -> TaskRunner:
        """A task runner the bench owns: stopped on shutdown; its failures and warnings reach the
        message bar; ``done(result)`` receives each finished result."""
        r = TaskRunner(self, latest_wins=latest_wins)
        r.failed.connect(self.messages.error)
        r.logged.connect(lambda level, msg: level == "warning" and self.messages.warning(msg))
        if done is not None:
            r.done.connect(done)
        self._runners.append(r)
        return r

    def submit(self, runner: TaskRunner, fn: Callable) -> None:
        """Start ``fn(ctx)`` on ``runner``, clearing old messages (or say why it cannot start)."""
        self.messages.clear()
        if not runner.submit(fn):
            self.messages.info("Still working on the previous request: wait for it or Cancel it.")

    def add_job(self, driver: Any, runs: Any, pictures: bool = True) -> None:
        """A job driver and the run list it feeds: the list follows the driver's run live, its
        notices reach the message bar, and (``pictures``) selecting one past run shows that run's
        saved pictures — the bench places ``driver.steps``, their slider, above its pictures."""
        self._jobs.append(driver)
        runs.follow(driver)
        runs.notice.connect(self.messages.show_message)
        if pictures:
            runs.selection_changed.connect(
                lambda paths: driver.show_run(paths[0] if len(paths) == 1 else None, several=len(paths) > 1))

    def primary_controls(self) -> QWidget | None:
        """The run controls or task bar the window's Start/Stop shortcuts press: the first visible of
        ``self.primary`` when the bench names them, else of all of its own."""
        from gui.widgets.run_controls import RunControls
        from gui.widgets.task_bar import TaskBar

        found = self.primary or [w for w in self.findChildren(QWidget) if isinstance(w, (RunControls, TaskBar))]
        return next((w for w in found if w.isVisible()), None)

    @property
    def drivers(self) -> list[Any]:
        """The bench's job drivers (the window shows their GPU memory)."""
        return list(self._jobs)

    @property
    def busy(self) -> bool:
        """True while a run writes to the workspace (closing asks first); tasks just get cancelled."""
        return any(j.busy for j in self._jobs)

    def set_workspace(self, workspace: Path) -> None:
        self.workspace = workspace

    def shutdown(self, wait_ms: int = 10000) -> None:
        """Cancel everything running and wait for it (the window is closing)."""
        for j in self._jobs:
            j.shutdown(wait_ms)
        for r in self._runners:
            r.shutdown(wait_ms)

    # -- remembered settings --------------------------------------------------------
    def _key(self, name: str) -> str:
        return f"bench/{self.title}/v{self.settings_version}/{name}"

    def remember(self, name: str, value: Any) -> None:
        settings.store().setValue(self._key(name), value)

    def recall(self, name: str, default: Any = None) -> Any:
        return settings.store().value(self._key(name), default)

    def keep_form(self, name: str, form: ParamsForm) -> None:
        """The form starts with the values it had last time (this session or an earlier one) and
        remembers every change; values that no longer fit the params are dropped."""
        saved = self.recall(f"form/{name}")
        if isinstance(saved, str):
            try:
                values = json.loads(saved)
                prm.from_dict(form.cls, {**form.values(), **values})  # still valid for these params?
                form.set_values(values)
            except (ValueError, TypeError):
                pass
        def save() -> None:
            try:
                self.remember(f"form/{name}", json.dumps(form.values(), default=str))
            except prm.ParamError:
                pass  # half-typed: the form says so when it is used

        form.changed.connect(save)
