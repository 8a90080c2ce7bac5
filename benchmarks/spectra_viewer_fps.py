"""Spectrum viewer: frames per second while panning a 200,000-point spectrum
(zoomed to a tenth of it, shifted each frame) and while stepping through a set
of such spectra (a new one each frame), the workbench's SpectrumView (peak
downsampling, clip to view, line markers on) against a plain pyqtgraph
PlotWidget given the same data with default settings, in the same run.

    python benchmarks/spectra_viewer_fps.py [--points 200000] [--frames 120]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import qt_app  # noqa: I001


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


def step(app, widget, show, fluxes: list[np.ndarray], frames: int) -> float:
    widget.resize(1200, 500)
    widget.show()
    app.processEvents()
    t0 = time.perf_counter()
    for k in range(frames):
        show(fluxes[k % len(fluxes)])
        widget.repaint()
        app.processEvents()
    return frames / (time.perf_counter() - t0)


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
    fluxes = [50 + 10 * np.sin(wave / 300 + k) + rng.normal(0, 3, args.points) for k in range(8)]
    plain = pg.PlotWidget()
    curve = plain.plot(wave, fluxes[0])
    base_step = step(app, plain, lambda f: curve.setData(wave, f), fluxes, args.frames // 3)
    base_pan = pan(app, plain, plain, wave, args.frames)  # closes the widget
    view = SpectrumView()
    view.show_spectrum(wave, fluxes[0])
    ours_step = step(app, view, lambda f: view.show_spectrum(wave, f), fluxes, args.frames // 3)
    ours_pan = pan(app, view, view.plot, wave, args.frames)
    print(f"{args.points:,}-point spectra, 1200×500 px, offscreen; target ≥ 30 fps")
    print(f"  panning (a tenth in view)   plain PlotWidget {base_pan:6.1f} fps   SpectrumView {ours_pan:6.1f} fps "
          f"({ours_pan / base_pan:.2f}×)")
    print(f"  stepping (new spectrum)     plain PlotWidget {base_step:6.1f} fps   SpectrumView {ours_step:6.1f} fps "
          f"({ours_step / base_step:.2f}×)")


if __name__ == "__main__":
    main()
