"""The toy bench's whole GUI module: the shared machinery does the rest."""

from PySide6.QtWidgets import QVBoxLayout

from engine import registry
from gui.benches.base import Bench
from gui.widgets.task_panel import TaskPanel


class ToyBench(Bench):
    title = "Toy"

    def __init__(self, workspace, parent=None):
        super().__init__(workspace, parent)
        self.panel = TaskPanel(self, registry.load("toy-sum"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.messages)
        layout.addWidget(self.panel)
