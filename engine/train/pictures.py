"""Picture payloads more than one model draws."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def plane(points: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """2-D coordinates of latent vectors: themselves, or their first two principal axes."""
    if points.shape[1] == 1:
        return np.c_[points[:, 0], np.zeros(len(points))], ["z₁", ""]
    if points.shape[1] == 2:
        return points, ["z₁", "z₂"]
    centred = points - points.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T, ["PC 1 of z", "PC 2 of z"]


def thumbnails(images: np.ndarray) -> np.ndarray:
    """Images (n, c, h, w) in [0, 1] as bytes, (n, h, w) grey or (n, h, w, c): the picture a
    scatter shows for a hovered point, at a quarter of float32's size."""
    pixels = (np.clip(images, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    return pixels[:, 0] if pixels.shape[1] == 1 else pixels.transpose(0, 2, 3, 1)


class Once:
    """Parts of a picture that stay the same through a run (the hover thumbnails of the fixed
    validation images, megabytes on MNIST): sent with the first picture only.  A later picture
    of the same kind and name leaves them out and keeps them (engine.events.Artifact)."""

    def __init__(self) -> None:
        self._sent: set[str] = set()

    def __call__(self, name: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if name in self._sent:
            return {}
        self._sent.add(name)
        return make()
