"""What a training job checks before its run folder exists (``Job.precheck``).

A data source that cannot be read, or a model and data that would not fit in
memory, then cost the user one line and leave no failed run folder behind.
The checks read headers only (image sizes, array shapes, a contest index) and
build the model on PyTorch's meta device, so they take milliseconds even where
the real data or model is huge.
"""

from __future__ import annotations

from typing import Any, Callable

from engine import memory
from engine.data import images, toy2d

# (params, sample shape, device) → the job's TrainTask: built on the meta device to be measured
MakeTask = Callable[[Any, tuple[int, ...], Any], Any]


def image_data(make_task: MakeTask, images_for: str = "") -> Callable[[Any], None]:
    """The precheck of a job that trains on ``params.data``, a 2-D toy set or an image source
    (``images_for`` names a model that takes images only, as :func:`engine.train.setup.load`)."""

    def check(p: Any) -> None:
        if p.data in toy2d.TOYS:
            if images_for:
                from engine.train import setup

                setup.load(p.data, seed=p.seed, points=2, images_for=images_for)  # refuses in its one line
            shape: tuple[int, ...] = (2,)
            what, data_bytes, n = f"the {p.data} points", 0, getattr(p, "points", p.batch_size)
        else:
            info = images.peek(p.data)
            shape, what, data_bytes, n = info.shape, f"{info.name} ({info.describe()})", info.load_bytes, info.n
        est = memory.training_bytes(lambda device: make_task(p, shape, device), min(p.batch_size, n), shape)
        memory.require(data_bytes + est.total,
                       f"training this model ({memory.gigabytes(est.weights)} of weights, "
                       f"{memory.gigabytes(est.activations)} of activations a batch) on {what}",
                       "use smaller images, a smaller batch or a smaller model")

    return check


def spectra_data(p: Any) -> None:
    """The precheck of the spectral classifier: its source exists and holds spectra to read."""
    if p.data != "synthetic":
        from engine.spectra import formats

        formats.check_source(p.data)
