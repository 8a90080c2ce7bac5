"""Clusters map: frames per second while panning a 100,000-point map coloured by 200
modules (the whole map in view, then zoomed to a quarter of its width), the bench's
ModuleMap (one pixel-mode ScatterPlotItem per colour, numpy arrays only) against a plain
pyqtgraph ScatterPlotItem given the same points with a brush per point (the usual way
to colour points), in the same run; and the time to find the point under the mouse
(ModuleMap's vectorised search against pyqtgraph's ``pointsAt``).

    python benchmarks/clusters_map_fps.py [--points 100000] [--frames 60]
"""

from __future__ import annotations

import argparse
import time

from common import qt_app  # noqa: I001

import numpy as np


def blobs(n: int, modules: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-50, 50, (modules, 2))
    groups = rng.integers(0, modules, n)
    return (centres[groups] + rng.normal(0, 2.5, (n, 2))).astype(np.float32), groups


def pan(app, widget, view, coords: np.ndarray, frames: int, zoom: float) -> float:
    """Frames per second while the view slides across the map, ``zoom`` times its width in view."""
    widget.resize(1000, 800)
    widget.show()
    lo, hi = float(coords[:, 0].min()), float(coords[:, 0].max())
    span = (hi - lo) / zoom
    view.setYRange(float(coords[:, 1].min()), float(coords[:, 1].max()), padding=0)
    app.processEvents()
    t0 = time.perf_counter()
    for k in range(frames):
        start = lo + (hi - lo - span) * k / max(frames - 1, 1) if zoom > 1 else lo + 0.2 * span * np.sin(k / 5)
        view.setXRange(start, start + span, padding=0)
        widget.repaint()
        app.processEvents()
    return frames / (time.perf_counter() - t0)


def main() -> None:
    import pyqtgraph as pg
    from PySide6.QtCore import QPointF

    from gui.benches.clusters.map_view import ModuleMap, group_color

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--modules", type=int, default=200)
    ap.add_argument("--frames", type=int, default=60)
    args = ap.parse_args()
    app = qt_app()
    coords, groups = blobs(args.points, args.modules)

    plain = pg.PlotWidget()
    brushes = [pg.mkBrush(group_color(g)) for g in range(20)]
    scatter = pg.ScatterPlotItem(coords[:, 0], coords[:, 1], size=4, pen=None,
                                 brush=[brushes[g % 20] for g in groups])
    plain.addItem(scatter)
    ours = ModuleMap()
    ours.set_points(coords, groups)
    rates: dict[tuple[str, float], list[float]] = {}
    for zoom in (1.0, 4.0):
        for _ in range(3):  # the two sides alternate; best of three
            for name, widget, view in (("plain", plain, plain.getViewBox()), ("ours", ours, ours.view)):
                rates.setdefault((name, zoom), []).append(pan(app, widget, view, coords, args.frames, zoom))

    # the point under the mouse, at one of the points
    ours.view.autoRange()
    plain.getViewBox().autoRange()
    app.processEvents()
    middle = QPointF(float(coords[0, 0]), float(coords[0, 1]))
    scene = ours.view.mapViewToScene(middle)
    t0 = time.perf_counter()
    for _ in range(20):
        ours.nearest(scene)
    ours_ms = (time.perf_counter() - t0) / 20 * 1000
    t0 = time.perf_counter()
    for _ in range(5):
        scatter.pointsAt(middle)
    plain_ms = (time.perf_counter() - t0) / 5 * 1000

    print(f"{args.points:,}-point map, {args.modules} modules, 1000×800 px, offscreen; target ≥ 30 fps")
    for zoom, what in ((1.0, "whole map in view"), (4.0, "a quarter in view")):
        p, o = max(rates[("plain", zoom)]), max(rates[("ours", zoom)])
        print(f"  panning ({what:18}) per-point brushes {p:6.1f} fps   ModuleMap {o:6.1f} fps ({o / p:.2f}×)")
    print(f"  point under the mouse        pointsAt {plain_ms:8.2f} ms      ModuleMap {ours_ms:6.2f} ms "
          f"({plain_ms / ours_ms:.1f}× faster)")


if __name__ == "__main__":
    main()
