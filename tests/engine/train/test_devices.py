import pytest
import torch

from engine import devices
from engine.jobs import execute
from engine.train.registry import EXPERIMENTS
from engine.train.vae import VAEParams


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_missing_gpu_falls_back_with_warning():
    choice = devices.resolve("cuda")
    assert choice.device.type == "cpu" and "no CUDA device" in choice.warning


def test_broken_cuda_falls_back_with_the_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)

    def broken(*a, **k):
        if k.get("device") == "cuda":
            raise RuntimeError("CUDA error: no kernel image is available")
        return torch.empty(*a)

    monkeypatch.setattr(torch, "zeros", broken)
    choice = devices.resolve("cuda")
    assert choice.device.type == "cpu" and "no kernel image" in choice.warning
    assert devices.resolve("auto").warning is None  # auto falls back silently


def test_run_on_missing_gpu_warns_and_completes(tmp_path, monkeypatch):
    from engine import events as ev

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    sink = ev.ListSink()
    out = execute(EXPERIMENTS["vae"], VAEParams(epochs=1, device="cuda", amp=True), tmp_path, [sink])
    assert out.status == "completed"
    warnings = [e.message for e in sink.of(ev.Log) if e.level == "warning"]
    assert any("CPU instead" in w for w in warnings) and any("mixed precision" in w for w in warnings)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_amp_run(tmp_path):
    out = execute(EXPERIMENTS["vae"], VAEParams(epochs=2, device="cuda", amp=True), tmp_path)
    assert out.status == "completed"


def test_memory_in_use_is_read_for_cuda_devices_only(monkeypatch):
    import torch

    from engine import devices

    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device=None: 123_456)
    assert devices.memory_in_use(torch.device("cpu")) is None
    assert devices.memory_in_use(torch.device("cuda", 0)) == 123_456
