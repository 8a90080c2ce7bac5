"""Shared set-up for the benchmark scripts: an offscreen Qt app, synthetic
MNIST-sized data written as an .npz the workbench loads like a user's file."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def qt_app():
    from gui.app import create_app

    return create_app([])


def synthetic_images(n: int = 20000, side: int = 28, seed: int = 0) -> Path:
    """Blurry blobs in [0, 1] with 10 labels, saved where the job can read them."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / side
    centres = rng.uniform(0.25, 0.75, (10, 2))
    labels = rng.integers(0, 10, n)
    cx, cy = centres[labels, 0, None, None], centres[labels, 1, None, None]
    x = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 0.02) + 0.05 * rng.random((n, side, side))
    path = Path(tempfile.mkdtemp()) / "blobs.npz"
    np.savez(path, x=np.clip(x, 0, 1).astype(np.float32), y=labels)
    return path


def timer_ticks(app, seconds: float, during=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaps (ms) between ticks of a 10 ms QTimer over ``seconds``,
    with the GUI thread's CPU time (ms) inside each gap and when each gap began (s): a long gap with
    little CPU in it is the system's scheduling, one full of CPU is the window's own work."""
    from PySide6.QtCore import QEventLoop, QTimer

    ticks: list[tuple[float, float]] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), time.thread_time())))
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    timer.start()
    if during is not None:
        during()
    loop.exec()
    timer.stop()
    t = np.array(ticks)
    return np.diff(t[:, 0]) * 1000, np.diff(t[:, 1]) * 1000, t[:-1, 0] - t[0, 0]
