"""The Maths bench: four posts whose point is a picture — the angle between random
vectors (7076), HSIC (6910), EM step by step (5239) and capsule routing as
clustering (5112).  Every tab opens on a working picture without a file and
draws the theory over the experiment; heavy work runs in the background
(latest wins) and every plot exports."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from gui.benches.base import Bench
from gui.benches.maths.angles_tab import AnglesTab
from gui.benches.maths.em_tab import EMTab
from gui.benches.maths.hsic_tab import HSICTab
from gui.benches.maths.routing_tab import RoutingTab


class MathsBench(Bench):
    title = "Maths"
    start_here = ("One post a tab, all ready to run: change a value and press the tab's button (Redraw, Test, "
                  'Step or Play).')

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.angles = AnglesTab(self)
        self.hsic = HSICTab(self)
        self.em = EMTab(self)
        self.routing = RoutingTab(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.angles, "Angles in n dimensions")
        self.tabs.addTab(self.hsic, "HSIC")
        self.tabs.addTab(self.em, "EM step by step")
        self.tabs.addTab(self.routing, "Capsule routing")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.messages)
        layout.addWidget(self.tabs)
        self.splitters = {"angles": self.angles.splitter, "hsic": self.hsic.splitter, "em": self.em.splitter,
                          "routing": self.routing.splitter}
