"""A slider through the pictures a past run saved (TensorBoard's image step slider):
shown while a selected run's pictures are on screen, hidden for the live run — but
for a line naming it while several runs' curves are overlaid (the pictures are one run's)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget


class PictureSteps(QWidget):
    step_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: list[int] = []
        self.run = ""
        self.label = QLabel()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Step back through the pictures this run saved")
        self.live = QPushButton("Back to the current run")
        self.live.setToolTip("Show the pictures of the run in progress or last started again")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.live)
        self.slider.valueChanged.connect(self._moved)
        self.hide()

    def name_live(self, run: str) -> None:
        """Say whose pictures are on screen when several runs are selected: the live run's."""
        self.run, self.steps = run, []
        self.slider.hide()
        self.live.hide()
        self.label.setText(f"Pictures of the latest run, {run}: select one run alone to see its own")
        self.setVisible(True)

    def set_steps(self, run: str, steps: list[int]) -> None:
        """Offer ``steps`` of ``run``, at the latest one (emitted)."""
        self.slider.show()
        self.live.show()
        self.run, self.steps = run, list(steps)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(steps) - 1, 0))
        self.slider.setValue(max(len(steps) - 1, 0))
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(steps) > 1)
        self.setVisible(True)
        self._moved(self.slider.value())

    def _moved(self, index: int) -> None:
        if not self.steps:
            self.label.setText(f"{self.run}: no pictures saved")
            return
        self.label.setText(f"Pictures of {self.run} at step {self.steps[index]:,} ({index + 1} of {len(self.steps)})")
        self.step_chosen.emit(self.steps[index])
