"""Clusters map: frames per second while panning a 100,000-point map coloured by 200
modules (the whole map in view, then a quarter of its width), the bench's ModuleMap
(all points stamped into one image per paint) against pyqtgraph's ScatterPlotItem in
pixel mode with one item per colour (numpy arrays, no per-point objects), in the same
run; and the time to find the point under the mouse (ModuleMap's vectorised search
against ScatterPlotItem's ``pointsAt``).

Frames per second are given by the wall clock and by the process's CPU time (what one
free core would give: offscreen painting runs on one thread, so the two agree on an idle
machine and the second stays meaningful on a loaded one).

    python benchmarks/clusters_map_fps.py [--points 100000] [--frames 60]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import qt_app  # noqa: I001


def blobs(n: int, modules: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-50, 50, (modules, 2))
    groups = rng.integers(0, modules, n)
    return (centres[groups] + rng.normal(0, 2.5, (n, 2))).astype(np.float32), groups


def pan(app, widget, view, coords: np.ndarray, frames: int, zoom: float) -> tuple[float, float]:
    """(wall, CPU) frames per second while the view slides across the map, 1/``zoom`` of its width in view."""
    widget.resize(1000, 800)
    widget.show()
    lo, hi = float(coords[:, 0].min()), float(coords[:, 0].max())
    span = (hi - lo) / zoom
    view.setYRange(float(coords[:, 1].min()), float(coords[:, 1].max()), padding=0)
    app.processEvents()
    wall, cpu = time.perf_counter(), time.process_time()
    for k in range(frames):
        start = lo + (hi - lo - span) * k / max(frames - 1, 1) if zoom > 1 else lo + 0.2 * span * np.sin(k / 5)
        view.setXRange(start, start + span, padding=0)
        widget.repaint()
        app.processEvents()
    return frames / (time.perf_counter() - wall), frames / (time.process_time() - cpu)


def main() -> None:
    import pyqtgraph as pg
    from PySide6.QtCore import QPointF

    from gui.benches.clusters.map_view import PALETTE, ModuleMap, group_color

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--modules", type=int, default=200)
    ap.add_argument("--frames", type=int, default=60)
    args = ap.parse_args()
    app = qt_app()
    coords, groups = blobs(args.points, args.modules)

    plain = pg.PlotWidget()
    layers = []
    for c in range(len(PALETTE)):
        inside = groups % len(PALETTE) == c
        layers.append(pg.ScatterPlotItem(coords[inside, 0], coords[inside, 1], size=4, pen=None,
                                         brush=pg.mkBrush(group_color(c)), pxMode=True, hoverable=False))
        plain.addItem(layers[-1])
    ours = ModuleMap()
    ours.set_points(coords, groups)
    rates: dict[tuple[str, float], list[tuple[float, float]]] = {}
    for zoom in (1.0, 4.0):
        for _ in range(3):  # the two sides alternate; best of three
            for name, widget, view in (("plain", plain, plain.getViewBox()), ("ours", ours, ours.view)):
                rates.setdefault((name, zoom), []).append(pan(app, widget, view, coords, args.frames, zoom))

    ours.view.autoRange()
    app.processEvents()
    at = QPointF(float(coords[0, 0]), float(coords[0, 1]))
    scene = ours.view.mapViewToScene(at)
    t0 = time.perf_counter()
    for _ in range(20):
        ours.nearest(scene)
    ours_ms = (time.perf_counter() - t0) / 20 * 1000
    t0 = time.perf_counter()
    for _ in range(5):
        for layer in layers:
            layer.pointsAt(at)
    plain_ms = (time.perf_counter() - t0) / 5 * 1000

    print(f"{args.points:,}-point map, {args.modules} modules, 1000×800 px, offscreen; target ≥ 30 fps")
    for zoom, what in ((1.0, "whole map in view"), (4.0, "a quarter in view")):
        pw, pc = (max(r[i] for r in rates[("plain", zoom)]) for i in (0, 1))
        ow, oc = (max(r[i] for r in rates[("ours", zoom)]) for i in (0, 1))
        print(f"  panning, {what:17}  ScatterPlotItems {pw:5.1f} fps (CPU {pc:5.1f})   "
              f"ModuleMap {ow:5.1f} fps (CPU {oc:5.1f})   {ow / pw:.2f}× wall, {oc / pc:.2f}× CPU")
    print(f"  point under the mouse         pointsAt {plain_ms:7.2f} ms            ModuleMap {ours_ms:6.2f} ms"
          f"            {plain_ms / ours_ms:.0f}× faster")


if __name__ == "__main__":
    main()
