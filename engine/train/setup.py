"""What every training job does before its loop: pick the device, read the
data, record both in the run folder, and seed."""

from __future__ import annotations

from typing import Any

from engine import devices
from engine.data import DataError, images, toy2d
from engine.jobs import JobContext
from engine.train import rng


def device(preference: str, ctx: JobContext) -> devices.DeviceChoice:
    choice = devices.resolve(preference)
    if choice.warning:
        ctx.log(choice.warning, "warning")
    return choice


def load(spec: str, *, seed: int, val_fraction: float = 0.1, points: int = 0, noise: float = 0.0,
         images_for: str = "") -> tuple[images.Split, bool, dict[str, Any]]:
    """(split, is_image_data, fingerprint) of a 2-D toy set or an image source.

    ``images_for`` names a model that only takes images: a toy set is then refused."""
    if spec in toy2d.TOYS:
        if images_for:
            raise DataError(f"{spec}: the {images_for}'s convolutions need images, not 2-D points; "
                            f"pick digits, mnist or an image file")
        pts, labels = toy2d.sample(spec, points, noise, seed)
        cut = min(max(1, int(round((1 - val_fraction) * len(pts)))), len(pts) - 1)
        fp = {"name": spec, "source": "engine.data.toy2d", "n": points, "noise": noise, "seed": seed,
              "shape": [2]}
        return images.Split(pts[:cut], labels[:cut], pts[cut:], labels[cut:]), False, fp
    data = images.load(spec)
    return images.split(data, val_fraction, seed), True, data.fingerprint()


def begin(ctx: JobContext, choice: devices.DeviceChoice, parts: images.Split, fingerprint: dict[str, Any],
          seed: int, what: str, minimum: int = 2) -> None:
    """Check there is enough data, record data, seed and versions, say what starts, and seed."""
    if len(parts.x_train) < minimum:
        raise DataError(f"{fingerprint['name']}: {len(parts.x_train)} training sample(s); "
                        f"{what} needs at least {minimum}")
    ctx.store.update_config(data=fingerprint, seed=seed, versions=devices.versions(choice.device))
    ctx.log(f"{what} on {fingerprint['name']} ({len(parts.x_train):,} training samples) on {choice.label}")
    rng.seed_everything(seed)
