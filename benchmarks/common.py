"""Shared set-up for the benchmark scripts: an offscreen Qt app, synthetic
MNIST-sized data written as an .npz the workbench loads like a user's file."""

from __future__ import annotations

import os
import sys
import tempfile
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
