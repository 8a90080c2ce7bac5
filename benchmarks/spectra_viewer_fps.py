"""Spectrum viewer: frames per second while panning a 200,000-point spectrum
(zoomed to a tenth of it, shifted each frame), the workbench's SpectrumView
(peak downsampling, clip to view) against a plain pyqtgraph PlotWidget given
the same data with default settings, in the same run.

    python benchmarks/spectra_viewer_fps.py [--points 200000] [--frames 120]
"""

from __future__ import annotations

import argparse
import time

from common import qt_app  # noqa: I001

import numpy as np


def pan(app, widget, plot, wave: np.ndarray, frames: int) -> float:
    widget.resize(1200, 500)
    widget.show()
    app.processEvents()
    span = (wave[-1] - wave[0]) / 10
    t0 = time.perf_counter()
    for k in range(frames):
        lo = wave[0] + (wave[-1] - wave[0] - span) * k / frames
        plot.setXRange(lo, lo + span, padding=0)
        widget.repaint()
        app.processEvents()
    rate = frames / (time.perf_counter() - t0)
    widget.close()
    return rate


def main() -> None:
    import pyqtgraph as pg

    from gui.widgets.spectrum_view import SpectrumView

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--frames", type=int, default=120)
    args = ap.parse_args()
    app = qt_app()
    rng = np.random.default_rng(0)
    wave = np.linspace(3600, 10400, args.points)
    flux = 50 + 10 * np.sin(wave / 300) + rng.normal(0, 3, args.points)
    plain = pg.PlotWidget()
    plain.plot(wave, flux)
    base = pan(app, plain, plain, wave, args.frames)
    view = SpectrumView()
    view.show_spectrum(wave, flux)
    ours = pan(app, view, view.plot, wave, args.frames)
    print(f"panning a {args.points:,}-point spectrum (a tenth of it in view), 1200×500 px, offscreen")
    print(f"  plain PlotWidget     {base:6.1f} fps")
    print(f"  SpectrumView         {ours:6.1f} fps   ({ours / base:.1f}× the plain widget; target ≥ 30 fps)")


if __name__ == "__main__":
    main()
