"""Live plot: frames per second of the workbench's curve panel while a loss
curve grows to 200,000 points (1,000 appended per frame, smoothing on), against
a plain pyqtgraph PlotWidget fed the same points with setData and default
settings, in the same run.  Target ≥ 30 fps with the full curve.

    python benchmarks/live_plot_fps.py [--points 200000] [--per-frame 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import qt_app  # noqa: I001

TAIL = 20  # frames timed at the end, when the curve is longest


def ours(app, y: np.ndarray, per_frame: int) -> list[float]:
    from gui.widgets.live_plot import MetricsPanel

    panel = MetricsPanel()
    panel.resize(1000, 400)
    panel.show()
    steps = np.arange(1, len(y) + 1, dtype=float)
    series = panel._curve("run", "train", "loss").series  # the buffer add_point feeds, filled in bulk
    stamps = []
    for i in range(0, len(y), per_frame):
        n = min(i + per_frame, len(y))
        series.extend(steps[i:n], y[i:n])
        panel.curves[("run", "train", "loss")].dirty = True
        panel.redraw()
        panel.layout_widget.repaint()
        app.processEvents()
        stamps.append(time.perf_counter())
    panel.close()
    return stamps


def baseline(app, y: np.ndarray, per_frame: int) -> list[float]:
    import pyqtgraph as pg

    w = pg.PlotWidget()
    w.resize(1000, 400)
    w.show()
    curve = w.plot()
    x = np.arange(1, len(y) + 1, dtype=float)
    stamps = []
    for i in range(0, len(y), per_frame):
        n = min(i + per_frame, len(y))
        curve.setData(x[:n], y[:n])
        w.repaint()
        app.processEvents()
        stamps.append(time.perf_counter())
    w.close()
    return stamps


def fps(stamps: list[float], start: float) -> tuple[float, float]:
    overall = len(stamps) / (stamps[-1] - start)
    tail = TAIL / (stamps[-1] - stamps[-TAIL - 1])
    return overall, tail


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--per-frame", type=int, default=1000)
    args = ap.parse_args()
    app = qt_app()
    rng = np.random.default_rng(0)
    y = np.exp(-np.arange(args.points) / 40000) * 50 + rng.gamma(2.0, 1.0, args.points)
    t0 = time.perf_counter()
    b_all, b_tail = fps(baseline(app, y, args.per_frame), t0)
    t0 = time.perf_counter()
    o_all, o_tail = fps(ours(app, y, args.per_frame), t0)
    print(f"loss curve growing to {args.points:,} points, {args.per_frame:,} appended per frame, 1000×400 px, "
          f"offscreen")
    print(f"  plain pyqtgraph setData : {b_all:6.1f} fps overall, {b_tail:6.1f} fps over the last {TAIL} frames")
    print(f"  workbench MetricsPanel  : {o_all:6.1f} fps overall, {o_tail:6.1f} fps over the last {TAIL} frames "
          f"(raw + debiased-EMA curves, peak downsampling, clip to view)")
    print(f"  ratio ours / plain (last frames) = {o_tail / b_tail:.2f};  target ≥ 30 fps: "
          f"{'met' if o_tail >= 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
