"""Compute devices: pick CUDA when asked and usable, else fall back to the CPU
with a warning the user sees — a missing or broken GPU never stops a run."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass

import numpy as np
import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class DeviceChoice:
    device: torch.device
    label: str
    warning: str | None


def _cuda_usable() -> str | None:
    """None when CUDA works, else the reason it does not."""
    if not torch.cuda.is_available():
        return "no CUDA device is available"
    try:
        torch.zeros(1, device="cuda").add_(1)
        torch.cuda.synchronize()
    except Exception as exc:  # driver or runtime errors surface here
        return f"CUDA failed to initialise ({exc.__class__.__name__}: {exc})"
    return None


def resolve(preference: str = "auto") -> DeviceChoice:
    """The device for ``preference`` ('auto', 'cpu', 'cuda' or 'cuda:N')."""
    if preference == "cpu":
        return DeviceChoice(torch.device("cpu"), cpu_label(), None)
    problem = _cuda_usable()
    if problem is None:
        dev = torch.device("cuda" if preference == "auto" else preference)
        return DeviceChoice(dev, f"CUDA: {torch.cuda.get_device_name(dev)}", None)
    warning = None if preference == "auto" else f"{problem}; running on the CPU instead"
    return DeviceChoice(torch.device("cpu"), cpu_label(), warning)


def cpu_label() -> str:
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'' if n == 1 else 's'})"


def memory_in_use(device: torch.device) -> int | None:
    """Bytes of tensors held on ``device`` when it is a CUDA device (the status bar's figure), else None."""
    return int(torch.cuda.memory_allocated(device)) if device.type == "cuda" else None


def describe_default() -> str:
    """One line for the status bar: what 'auto' would use."""
    return resolve("auto").label


def versions(device: torch.device | None = None) -> dict[str, str]:
    info = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__,
            "platform": platform.platform()}
    if device is not None:
        info["device"] = str(device)
        if device.type == "cuda":
            info["cuda"] = str(torch.version.cuda)
            info["device_name"] = torch.cuda.get_device_name(device)
    return info


def warm_up() -> None:
    """Run one optimizer step on a scalar: torch imports lazily inside the first
    ``optimizer.step()``, a 150–220 ms stall better spent before a run starts."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1e-3)
    p.sum().backward()
    opt.step()
