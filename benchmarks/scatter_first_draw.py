"""Latent scatter: how long the GUI thread is held when LabelScatter draws 5,000
labelled points (10 classes, as a VAE's latent on MNIST) for the first time on a
fresh widget, and when a later epoch refreshes them — ``set_points`` plus the
event processing that lays the plot out and paints it.  Baseline, in the same run: a bare
pyqtgraph PlotWidget drawing the same points as one single-colour
ScatterPlotItem (the floor any labelled scatter pays).  Best of ``--repeats``,
the two sides alternated.  Target: first draw ≤ 2× the baseline (issue 18: it
was the longest GUI-timer gap of a training run).

    python benchmarks/scatter_first_draw.py [--points 5000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import gc
import time

import numpy as np
from common import qt_app  # noqa: I001


def painted(app, draw) -> float:
    """Seconds of ``draw()`` and the event processing that lays out and paints its result."""
    t0 = time.perf_counter()
    draw()
    app.processEvents()
    return time.perf_counter() - t0


def timed(app, widget, first, refresh) -> tuple[float, float]:
    """(first draw, later refresh) on a fresh, shown ``widget``, which is closed afterwards."""
    widget.resize(520, 420)
    widget.show()
    app.processEvents()
    gc.collect()  # a collection the app's timer would start is nobody's drawing time
    times = painted(app, first), painted(app, refresh)
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return times


def ours(app, pts: np.ndarray, labels: np.ndarray, later: np.ndarray) -> tuple[float, float]:
    from gui.widgets.scatter import LabelScatter

    w = LabelScatter("Latent space (validation)")
    return timed(app, w, lambda: w.set_points(pts, labels, ("z₁", "z₂")),
                 lambda: w.set_points(later, labels, ("z₁", "z₂")))


def bare(app, pts: np.ndarray, later: np.ndarray) -> tuple[float, float]:
    import pyqtgraph as pg

    w = pg.PlotWidget(title="Latent space (validation)")
    item = pg.ScatterPlotItem(size=5, pen=None, brush="#4e79a7")

    def first() -> None:
        w.addItem(item)
        item.setData(pts[:, 0], pts[:, 1])

    return timed(app, w, first, lambda: item.setData(later[:, 0], later[:, 1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    app = qt_app()
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, args.points)
    pts = rng.normal(size=(args.points, 2)).astype(np.float32) + labels[:, None]
    later = pts + rng.normal(scale=0.1, size=pts.shape).astype(np.float32)
    ours(app, pts, labels, later)  # warm-up: imports, fonts, the first paint of any plot
    bare(app, pts, later)
    o, b = [], []
    for _ in range(args.repeats):  # alternate the two sides
        o.append(ours(app, pts, labels, later))
        b.append(bare(app, pts, later))
    of, orf = (min(v) * 1000 for v in zip(*o))
    bf, brf = (min(v) * 1000 for v in zip(*b))
    print(f"{args.points} points, 10 labels, best of {args.repeats} (set_points + layout and paint):")
    print(f"  LabelScatter   first draw {of:6.1f} ms   refresh {orf:6.1f} ms")
    print(f"  bare pyqtgraph first draw {bf:6.1f} ms   refresh {brf:6.1f} ms")
    print(f"  ratio          first draw {of / bf:6.2f}×     refresh {orf / brf:6.2f}×   (target first ≤ 2×)")


if __name__ == "__main__":
    main()
