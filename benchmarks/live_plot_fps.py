"""Live plot: frames per second of the workbench's curve panel while a loss
curve grows to 200,000 points (1,000 appended per frame, smoothing on), against
a plain pyqtgraph PlotWidget fed the same points with setData and default
settings, in the same run.  Target ≥ 30 fps.

    python benchmarks/live_plot_fps.py [--points 200000] [--per-frame 1000]
"""

from __future__ import annotations

import argparse
import time

from common import qt_app  # noqa: I001

import numpy as np


def ours(app, y: np.ndarray, per_frame: int) -> tuple[float, float]:
    from gui.widgets.live_plot import MetricsPanel

    panel = MetricsPanel()
    panel.resize(1000, 400)
    panel.show()
    frames, start, last_fps = 0, time.perf_counter(), 0.0
    for i in range(0, len(y), per_frame):
        for j in range(i, min(i + per_frame, len(y))):
            panel.add_point("run", "train", j + 1, {"loss": float(y[j])})
        panel.redraw()
        panel.layout_widget.repaint()
        app.processEvents()
        frames += 1
        if i + per_frame >= len(y) - 20 * per_frame and not last_fps:
            t_tail, f_tail = time.perf_counter(), frames
    last_fps = (frames - f_tail) / (time.perf_counter() - t_tail)
    total = frames / (time.perf_counter() - start)
    panel.close()
    return total, last_fps


def baseline(app, y: np.ndarray, per_frame: int) -> tuple[float, float]:
    import pyqtgraph as pg

    w = pg.PlotWidget()
    w.resize(1000, 400)
    w.show()
    curve = w.plot()
    x = np.arange(1, len(y) + 1, dtype=float)
    frames, start = 0, time.perf_counter()
    for i in range(0, len(y), per_frame):
        n = min(i + per_frame, len(y))
        curve.setData(x[:n], y[:n])
        w.repaint()
        app.processEvents()
        frames += 1
        if n >= len(y) - 19 * per_frame and frames and "t_tail" not in locals():
            t_tail, f_tail = time.perf_counter(), frames
    tail = (frames - f_tail) / (time.perf_counter() - t_tail)
    total = frames / (time.perf_counter() - start)
    w.close()
    return total, tail


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--per-frame", type=int, default=1000)
    args = ap.parse_args()
    app = qt_app()
    rng = np.random.default_rng(0)
    y = np.exp(-np.arange(args.points) / 40000) * 50 + rng.gamma(2.0, 1.0, args.points)
    b_all, b_tail = baseline(app, y, args.per_frame)
    o_all, o_tail = ours(app, y, args.per_frame)
    print(f"loss curve growing to {args.points:,} points, {args.per_frame:,} appended per frame, 1000×400 px")
    print(f"  plain pyqtgraph setData : {b_all:6.1f} fps overall, {b_tail:6.1f} fps in the last 20 frames")
    print(f"  workbench MetricsPanel  : {o_all:6.1f} fps overall, {o_tail:6.1f} fps in the last 20 frames "
          f"(raw + debiased-EMA curve)")
    print(f"  ratio ours / plain (last 20 frames) = {o_tail / b_tail:.2f};  target ≥ 30 fps: "
          f"{'met' if o_tail >= 30 else 'not met'}")


if __name__ == "__main__":
    main()
