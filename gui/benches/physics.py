"""The Physics bench: the spinning rope (kexue.fm/archives/6784) and the two
glued ellipses (6818).  Every slider re-solves in the background (latest wins),
the exact closed forms overlay the numeric curves, and the shapes turn in 3-D."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QTabWidget, QVBoxLayout, QWidget

from engine.io import atomic_path
from engine.physics import ellipses, rope, tasks
from gui.benches.base import Bench
from gui.widgets.solver_panel import SolverPanel
from gui.widgets.wire3d import WireView


class RopePanel(SolverPanel):
    params_cls = rope.RopeParams
    solve = staticmethod(rope.solve)

    def pictures(self) -> QWidget:
        self.shape = self.solver_plot("Shape: distance from the axis along it")
        self.shape.setLabel("bottom", "position along the axis z (m)")
        self.shape.setLabel("left", "distance from the axis r (m)")
        self.shape.addLegend(offset=(-5, 5))
        self.shape.setAspectLocked(True)
        self.numeric = self.shape.plot(pen=pg.mkPen("#4e79a7", width=2), name="numeric (solve_bvp)")
        self.exact = self.shape.plot(pen=pg.mkPen("#e15759", width=1, style=Qt.PenStyle.DashLine),
                                     name="closed form (where one exists)")
        self.tension = self.solver_plot("Tension along the rope")
        self.tension.setLabel("bottom", "arc length s (m)")
        self.tension.setLabel("left", "T (N)")
        self.tension_curve = self.tension.plot(pen=pg.mkPen("#59a14f", width=2))
        self.zero = pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#888", style=Qt.PenStyle.DotLine))  # T = 0
        self.tension.addItem(self.zero)
        self.sweep = WireView("Surface swept by the rope (drag to turn)")
        self.overlay = QCheckBox("Overlay the closed form (catenary, troposkein)")
        self.overlay.setChecked(True)
        self.overlay.toggled.connect(lambda: self.solution is not None and self.show_solution(self.solution))
        self.extra.addWidget(self.overlay)
        self.add_export("Curve as CSV…", "csv", self._write_csv)
        self.add_export("Figure as PNG…", "png", self._write_png)
        return self.arrange(self.shape, self.tension, self.sweep)

    def show_solution(self, sol: rope.RopeSolution) -> None:
        self.numeric.setData(sol.z, sol.r)
        exact = rope.closed_form(sol.params, sol.z) if self.overlay.isChecked() else None
        self.exact.setData(sol.z, exact[1]) if exact else self.exact.setData([], [])
        self.exact.opts["name"] = exact[0] if exact else "closed form"
        self.tension_curve.setData(sol.s, sol.tension)
        self.zero.setVisible(True)
        d = sol.to_dict()
        self.summary.setText(
            f"max radius  {d['max_radius']:.6g} m\nend tension  {d['end_tensions'][0]:.6g} / "
            f"{d['end_tensions'][1]:.6g} N\nmin tension  {d['min_tension']:.6g} N\n"
            f"axial tension H  {d['axial_tension']:.6g} N\nconstant C  {d['tension_constant']:.6g} N\n"
            f"end angle  {d['end_angle_deg']:.4g}°" + (f"\nclosed form: {exact[0]}" if exact else ""))
        angles = np.linspace(0, 2 * np.pi, 13)
        meridians = [np.column_stack([sol.r * np.cos(t), sol.r * np.sin(t), sol.z]) for t in angles[:-1]]
        ring = np.linspace(0, 2 * np.pi, 49)
        rings = [np.column_stack([r * np.cos(ring), r * np.sin(ring), np.full_like(ring, z)])
                 for z, r in zip(sol.z[::20], sol.r[::20])]
        self.sweep.set_layer("surface", meridians + rings, "#9aa9c4")
        self.sweep.set_layer("rope", [np.column_stack([sol.r, np.zeros_like(sol.r), sol.z])], "#4e79a7", 2.5)
        self.sweep.set_layer("axis", [np.array([[0, 0, sol.z.min() - 0.1 * sol.params.length],
                                                [0, 0, sol.z.max() + 0.1 * sol.params.length]])], "#888")

    def clear_pictures(self) -> None:
        for item in (self.numeric, self.exact, self.tension_curve):
            item.setData([], [])
        self.zero.setVisible(False)
        self.sweep.clear()

    def _write_csv(self, path: Path) -> None:
        tasks.write_rope_csv(self.solution, path)

    def _write_png(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            self.grab().save(str(tmp), "PNG")


class EllipsesPanel(SolverPanel):
    params_cls = tasks.NetParams  # the sheets, and the printed net's scale
    solve = staticmethod(tasks.solve_ellipses)

    def pictures(self) -> QWidget:
        self.margin = self.solver_plot("Gluing margin 1 − h′(s)² − h′(l − s)²  (≥ 0: glues)")
        self.margin.setLabel("bottom", "arc length s")
        self.margin_curve = self.margin.plot(pen=pg.mkPen("#4e79a7", width=2), fillLevel=0,
                                             brush=pg.mkBrush(78, 121, 167, 50))
        self.zero = pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#e15759", style=Qt.PenStyle.DashLine))  # glues above
        self.margin.addItem(self.zero)
        self.edge = self.solver_plot("Glue edge, first octant")
        self.edge.setLabel("bottom", "x")
        self.edge.addLegend(offset=(60, -30))  # bottom middle, where neither curve runs
        self.edge.setAspectLocked(True)
        self.edge_y = self.edge.plot(pen=pg.mkPen("#f28e2b", width=2), name="y = h(s)  (sheet 2's section)")
        self.edge_z = self.edge.plot(pen=pg.mkPen("#4e79a7", width=2), name="z = h(l − s)  (sheet 1's section)")
        self.solid = WireView("The closed solid: sheet 1 blue, sheet 2 orange, glue edge red")
        self.add_export("Printable net as SVG…", "svg", lambda path: self._write_net(ellipses.write_net_svg, path))
        self.add_export("Printable net as PDF…", "pdf", lambda path: self._write_net(ellipses.write_net_pdf, path))
        self.form.changed.connect(self._scale_changed)
        self._scale_changed()
        self.add_export("3-D mesh as STL…", "stl", lambda p: ellipses.write_stl(self.solution, p))
        self.add_export("3-D mesh as OBJ…", "obj", lambda p: ellipses.write_obj(self.solution, p))
        self.add_export("Glue edge as CSV…", "csv", lambda p: ellipses.write_csv(self.solution, p))
        return self.arrange(self.margin, self.edge, self.solid)

    def _scale_changed(self) -> None:
        """mm per unit counts only at the mm-per-unit scale: greyed out at fit-a4."""
        self.form.editors["unit_mm"].setEnabled(self.form.editors["scale"].currentText() == "mm-per-unit")

    def _net(self) -> tuple[float, float, float]:
        """(a, b, mm per unit) of the printed net under the form's scale."""
        p = self.form.params()
        return p.a, p.b, tasks.net_unit(p)

    def _write_net(self, writer: Callable[[float, float, Path, float], None], path: Path) -> None:
        a, b, unit = self._net()
        writer(a, b, path, unit)

    def show_solution(self, sol: ellipses.GlueSolution) -> None:
        self.margin_curve.setData(sol.s, sol.margin)
        self.zero.setVisible(True)
        self.edge_y.setData(sol.x, sol.y)
        self.edge_z.setData(sol.x, sol.z)
        try:
            a, b, unit = self._net()
            net = f"printed net  {unit:g} mm per unit\n    sheets {2 * a * unit:.4g} × {2 * b * unit:.4g} mm"
        except ellipses.GlueError as exc:
            net = f"printed net: {exc}"
        self.summary.setText(
            f"quarter perimeter l  {sol.quarter_perimeter:.6f}\nx extent x(l)  {sol.x_extent:.6f}\n"
            f"min margin  {sol.reported_margin:.3g}\nglues: {'yes' if sol.gluable else 'NO'}\n{net}")
        centre = np.array([sol.x_extent / 2, 0, 0])
        every = max(1, len(sol.s) // 24)
        for which, color in ((1, "#4e79a7"), (2, "#f28e2b")):
            g = sol.sheet(which, rulings=2) - centre
            self.solid.set_layer(f"sheet{which}", [row for row in g[::every]], color)
        self.solid.set_layer("edge", [e - centre for e in sol.edges()], "#e15759", 2.5)

    def clear_pictures(self) -> None:
        for item in (self.margin_curve, self.edge_y, self.edge_z):
            item.setData([], [])
        self.zero.setVisible(False)
        self.solid.clear()


class PhysicsBench(Bench):
    title = "Physics"
    start_here = ('Nothing to load: change a value and the curves follow; drag the points; export the glued '
                  "ellipses' paper net as PDF or SVG.")

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.rope = RopePanel(self.messages)
        self.ellipses = EllipsesPanel(self.messages)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.rope, "Spinning rope")
        self.tabs.addTab(self.ellipses, "Glued ellipses")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.messages)
        layout.addWidget(self.tabs)
        self.splitters = {"rope": self.rope.splitter, "ellipses": self.ellipses.splitter}

    def shutdown(self, wait_ms: int = 10000) -> None:
        for panel in (self.rope, self.ellipses):
            panel.runner.shutdown(wait_ms)


