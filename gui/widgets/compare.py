"""Compare: run the current experiment several times, one optimizer setting
changed each time, into the run list — their curves overlaid, with a legend.

The user ticks one or more of the shared training fields (optimizer,
accumulate, lr …) and gives each the values to try; the runs are the grid of
those values over the form's other settings.  A queue starts the next run when
the job driver's thread has ended, and stops when the user presses Stop early
or Cancel or a run fails, so nothing runs that the user did not expect.  As
each run ends, the compared runs are selected in the run list: the bench then
overlays their curves, in the colours the legend shows.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import events as ev
from engine import params as prm
from engine.errors import UserError
from engine.runs import mark_compared
from gui.widgets.colors import run_color
from gui.widgets.job_driver import JobDriver
from gui.widgets.live_plot import run_name
from gui.widgets.message_bar import MessageBar
from gui.widgets.run_controls import RunControls
from gui.widgets.run_list import RunList

# the shared training fields (engine.train.params) worth comparing, in the order the dialog lists them
COMPARABLE = ("optimizer", "lr", "batch_size", "accumulate", "schedule", "weight_decay", "layer_adaptation",
              "lookahead", "lazy", "ema")
MAX_RUNS = 16  # a grid larger than this is a mistake, not a comparison


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return "none" if value == "" else str(value)


def label(change: dict[str, Any]) -> str:
    """'accumulate = 100, lookahead = on': what makes a compared run different."""
    return ", ".join(f"{k} = {describe(v)}" for k, v in change.items())


def parse_values(spec: prm.ParamSpec, text: str) -> list[Any]:
    """The values typed for a numeric or text field: numbers split at ',' or ';', text (a schedule,
    which holds commas itself) at ';' with 'none' for the empty text; ParamError names a bad one."""
    if spec.type is str:
        items = [t.strip() for t in text.split(";")]
        return list(dict.fromkeys("" if t.lower() == "none" else t for t in items if t))
    out = []
    for item in text.replace(";", ",").split(","):
        if not item.strip():
            continue
        try:
            value = float(item)
        except ValueError:
            raise prm.ParamError(f"{spec.label}: {item.strip()!r} is not a number") from None
        if spec.type is int:
            if value != int(value):
                raise prm.ParamError(f"{spec.label}: {item.strip()!r} is not a whole number")
            value = int(value)
        out.append(value)
    return list(dict.fromkeys(out))


def grid(values: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the fields' values, the first field varying slowest."""
    names = list(values)
    return [dict(zip(names, combo)) for combo in itertools.product(*values.values())]


class _FieldRow:
    """One field of the dialog: a tick to vary it, and its values — a tick per choice for choices and
    on/off fields, typed values otherwise."""

    def __init__(self, spec: prm.ParamSpec, current: Any, layout: QGridLayout, row: int) -> None:
        self.spec = spec
        self.vary = QCheckBox(spec.label)
        self.vary.setToolTip(spec.help)
        self.vary.setObjectName(f"vary_{spec.name}")
        layout.addWidget(self.vary, row, 0)
        self.options: dict[Any, QCheckBox] = {}
        self.text: QLineEdit | None = None
        editor: QWidget
        if spec.type is bool or spec.choices is not None:
            editor = QWidget()
            line = QHBoxLayout(editor)
            line.setContentsMargins(0, 0, 0, 0)
            for choice in (False, True) if spec.type is bool else spec.choices:
                tick = QCheckBox(describe(choice))
                tick.setChecked(True if spec.type is bool else choice == current)
                self.options[choice] = tick
                line.addWidget(tick)
            line.addStretch(1)
        else:
            hint = "values separated by ';' ('none': constant)" if spec.type is str else "values separated by ','"
            editor = self.text = QLineEdit(describe(current))
            self.text.setPlaceholderText(hint)
            self.text.setToolTip(f"{spec.help}\n{hint}")
        layout.addWidget(editor, row, 1)
        editor.setEnabled(False)  # until the field is ticked
        self.vary.toggled.connect(editor.setEnabled)

    def values(self) -> list[Any]:
        if self.text is not None:
            return parse_values(self.spec, self.text.text())
        return [choice for choice, tick in self.options.items() if tick.isChecked()]

    def set(self, values: list[Any]) -> None:
        """Tick the field and give it these values (a test, or a later preset, fills the dialog)."""
        self.vary.setChecked(True)
        if self.text is not None:
            self.text.setText(("; " if self.spec.type is str else ", ").join(describe(v) for v in values))
        else:
            for choice, tick in self.options.items():
                tick.setChecked(choice in values)


class CompareDialog(QDialog):
    """Choose the fields to vary and their values; ``changes`` is the grid, checked against the
    params class (every run it would start is valid) when the user presses Compare."""

    def __init__(self, params: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare optimizer settings")
        self.base = params
        self.changes: list[dict[str, Any]] = []
        current = prm.to_dict(params)
        specs = {s.name: s for s in prm.specs(type(params))}
        grid_layout = QGridLayout()
        self.rows: dict[str, _FieldRow] = {}
        for name in (n for n in COMPARABLE if n in specs):
            self.rows[name] = _FieldRow(specs[name], current[name], grid_layout, len(self.rows))
        intro = QLabel("Tick the settings to vary and give each its values: one run per combination, "
                       "the form's other settings kept, run one after another.")
        intro.setWordWrap(True)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #8a1c1c;")
        self.error.setWordWrap(True)
        self.count = QLabel("")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Compare")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid_layout)
        layout.addWidget(self.count)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for row in self.rows.values():
            row.vary.toggled.connect(self._update_count)
            for tick in row.options.values():
                tick.toggled.connect(self._update_count)
            if row.text is not None:
                row.text.textChanged.connect(self._update_count)
        self._update_count()

    def grid(self) -> list[dict[str, Any]]:
        """The runs the ticked fields make; ParamError when a value cannot be used."""
        chosen = {name: row.values() for name, row in self.rows.items() if row.vary.isChecked()}
        empty = [self.rows[name].spec.label for name, values in chosen.items() if not values]
        if empty:
            raise prm.ParamError(f"{', '.join(empty)}: give at least one value")
        changes = grid(chosen)
        if len(changes) < 2:
            raise prm.ParamError("tick a setting and give it two values or more: nothing to compare yet")
        if len(changes) > MAX_RUNS:
            raise prm.ParamError(f"{len(changes)} runs: at most {MAX_RUNS}; tick fewer values")
        base = prm.to_dict(self.base)
        for change in changes:
            prm.from_dict(type(self.base), {**base, **change})  # every run valid before the first starts
        return changes

    def _update_count(self) -> None:
        if not any(row.vary.isChecked() for row in self.rows.values()):  # nothing asked yet: no error
            self.error.setText("")
            self.count.setText("Tick a setting and give it two values or more.")
            self.ok.setEnabled(False)
            return
        try:
            n = len(self.grid())
        except prm.ParamError as exc:
            self.count.setText("")
            self.error.setText(str(exc))
            self.ok.setEnabled(False)
            return
        self.error.setText("")
        self.count.setText(f"{n} runs, one after another")
        self.ok.setEnabled(True)

    def accept(self) -> None:
        try:
            self.changes = self.grid()
        except prm.ParamError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


class CompareQueue(QObject):
    """Runs ``(change, params)`` one after another through a job driver; says where it is on the
    message bar and selects the runs it made as each ends."""

    changed = Signal()  # a run started or ended: the legend is redrawn

    def __init__(self, driver: JobDriver, runs: RunList, controls: RunControls, messages: MessageBar,
                 launch: Callable[[Any, Any], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs, self.messages, self.launch, self.curves = runs, messages, launch, driver.curves
        self.job: Any = None
        self.pending: list[tuple[dict[str, Any], Any]] = []
        self.total = 0
        self.position = 0  # the run in progress or last ended, from 1
        self.active = False
        self.stop_requested = False
        self.labels: dict[str, str] = {}  # run id -> what it changed
        self.results: dict[str, str] = {}  # run id -> status (and the final metric when completed)
        self._current: str = ""
        self._outcome: ev.Event | None = None
        controls.stop_clicked.connect(self.stop)
        controls.cancel_clicked.connect(self.stop)
        driver.started.connect(self._on_started)
        driver.finished.connect(self._on_finished)
        driver.ended.connect(self._on_ended)

    def start(self, job: Any, runs: list[tuple[dict[str, Any], Any]]) -> None:
        self.job, self.pending, self.total, self.position = job, list(runs), len(runs), 0
        self.labels, self.results = {}, {}
        self.active, self.stop_requested = True, False
        self._next()

    def stop(self) -> None:
        """Run nothing more: the run in progress ends as the user asked (stopped early or cancelled)."""
        if self.active:
            self.stop_requested = True
            self.pending.clear()

    def _next(self) -> None:
        change, params = self.pending.pop(0)
        self.position += 1
        self._current, self._outcome = label(change), None
        self.launch(self.job, params)  # clears the message bar
        self.messages.info(f"compare: run {self.position} of {self.total} ({self._current})")

    def _on_started(self, e: ev.Started) -> None:
        if self.active:
            self.labels[e.run_id] = self._current
            self.curves.name_run(e.run_id, self._current)
            try:  # kept with the run (its note in the run list), so it is named so another day too
                mark_compared(Path(e.run_dir), self._current)
                self.runs.refresh()  # its row, listed as it started, shows the note now
            except (OSError, UserError):
                pass  # a name for the legends only: the run goes on without it
            self.changed.emit()

    def _on_finished(self, e: ev.Event) -> None:
        if self.active:
            self._outcome = e

    def _on_ended(self) -> None:
        if not self.active:
            return
        e, name = self._outcome, getattr(self.job, "summary_metric", "loss")
        run_id = e.run_id if e is not None else ""
        status = e.status if isinstance(e, ev.Finished) else "failed"
        value = e.summary.get(f"val/{name}") if isinstance(e, ev.Finished) else None
        if run_id:
            self.results[run_id] = status + (f", val {name} {value:.4g}" if isinstance(value, float) else "")
        self.runs.refresh()
        self.runs.select(list(self.labels))  # the bench overlays their curves
        self.changed.emit()
        if status == "completed" and self.pending and not self.stop_requested:
            QTimer.singleShot(0, self._next)  # after every other slot of this ending has run
            return
        self.active = False
        if status == "completed" and not self.stop_requested:
            self.messages.info(f"compare: {self.total} runs done; their curves are overlaid (legend beside "
                               "Compare…)")
        elif status != "failed":  # a failure keeps the driver's error message
            self.messages.warning(f"compare: ended after run {self.position} of {self.total} ({status})")


class CompareBox(QWidget):
    """The Compare… button and the legend of the compared runs (run colour → what changed)."""

    def __init__(self, driver: JobDriver, runs: RunList, controls: RunControls, messages: MessageBar,
                 current: Callable[[], tuple[Any, Any]], launch: Callable[[Any, Any], None],
                 parent: QWidget | None = None) -> None:
        """``current()``: the experiment's Job and the form's params (may raise ParamError);
        ``launch(job, params)`` starts a run the way the bench's Start does."""
        super().__init__(parent)
        self.driver, self.messages, self.current = driver, messages, current
        self.button = QPushButton("Compare…")
        self.button.setObjectName("compare")
        self.button.setToolTip("Run this experiment several times with different optimizer settings, one after "
                               "another, and overlay their curves")
        self.legend = QLabel("")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.queue = CompareQueue(driver, runs, controls, messages, launch, self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.legend, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        self.button.clicked.connect(self.ask)
        driver.started.connect(lambda _: self.button.setEnabled(False))
        driver.ended.connect(lambda: self.button.setEnabled(not self.queue.active))
        self.queue.changed.connect(self._draw_legend)
        driver.bridge.metrics.connect(lambda _: self.queue.active and self._draw_legend())  # colours claimed
        self.legend.hide()

    def ask(self) -> None:
        """The dialog, then the queue (or why not on the message bar)."""
        if self.driver.busy or self.queue.active:
            self.messages.info("A run is in progress: wait for it to end, or stop it, before comparing.")
            return
        try:
            job, params = self.current()
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return
        dialog = CompareDialog(params, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.compare(job, params, dialog.changes)

    def compare(self, job: Any, params: Any, changes: list[dict[str, Any]]) -> None:
        """Start the runs ``params`` with each change applied."""
        base = prm.to_dict(params)
        runs = [(change, prm.from_dict(type(params), {**base, **change})) for change in changes]
        self.button.setEnabled(False)
        self.queue.start(job, runs)

    def _draw_legend(self) -> None:
        q = self.queue
        lines = [f'<span style="color:{run_color(run)}">■</span> {text} '
                 f'<span style="color:gray">{run_name(run)} · {q.results.get(run, "running")}</span>'
                 for run, text in q.labels.items()]
        text = "<br>".join(lines)
        if text != self.legend.text():
            self.legend.setText(text)
        self.legend.setVisible(bool(lines))

    def clear(self) -> None:
        """Forget the legend (another experiment's runs are listed now)."""
        if not self.queue.active:
            self.queue.labels.clear()
            self.legend.hide()
