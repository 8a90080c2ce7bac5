"""Data chores as tasks: the ``download-mnist`` verb and the Models bench's button."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.params import param
from engine.tasks import TaskContext, TaskSpec


@dataclass(frozen=True)
class DownloadParams:
    cache: str = param("", "folder to download into (default: the user cache)", gui=False)


def download_mnist(p: DownloadParams, ctx: TaskContext | None = None) -> Path:
    from engine.data import mnist

    return mnist.download(Path(p.cache) if p.cache else None, ctx=ctx)


DOWNLOAD_MNIST = TaskSpec(
    "download-mnist", "Download MNIST", DownloadParams, download_mnist,
    "Fetch the four MNIST files into the cache, checking each file's MD5.",
    summary=lambda folder: f"MNIST is in {folder}")
