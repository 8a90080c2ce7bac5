"""Lookahead and the weights' moving average (SEEDS.md §14.2 item 5, §14.5, V24)."""

import pytest
import torch

from engine import events as ev
from engine.data import images
from engine.jobs import execute
from engine.optim.averaging import EMA, Lookahead
from engine.optim.stack import averaged, use_averages
from engine.runs import RunStore
from engine.train.vae import JOB, VAEParams, restore


def net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))


def train(model, opt, steps):
    g = torch.Generator().manual_seed(5)
    for _ in range(steps):
        x, y = torch.randn(16, 4, generator=g), torch.randn(16, 2, generator=g)
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def test_lookahead_with_alpha_one_is_the_base():
    a, b = net(), net()
    train(a, Lookahead(torch.optim.Adam(a.parameters(), lr=0.01), steps=5, alpha=1.0), 17)
    train(b, torch.optim.Adam(b.parameters(), lr=0.01), 17)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_lookahead_pulls_back_halfway_every_five_updates():
    w = torch.zeros(2, requires_grad=True)
    opt = Lookahead(torch.optim.SGD([w], lr=0.1))  # defaults k = 5, α = 0.5
    path = []
    for _ in range(7):
        w.grad = torch.tensor([1.0, -1.0])  # constant gradient: the fast weights walk 0.1 a step
        opt.step()
        path.append(float(w[0].detach()))
    # fast 5 steps to −0.5, slow moves halfway to −0.25 and the fast restart there; then −0.35, −0.45
    assert path == pytest.approx([-0.1, -0.2, -0.3, -0.4, -0.25, -0.35, -0.45], abs=1e-6)


def test_ema_follows_its_recursion_and_swaps_exactly():
    w = torch.zeros(3, requires_grad=True)
    opt = EMA(torch.optim.SGD([w], lr=0.5), decay=0.8)
    average = 0.0
    for t in range(1, 6):
        w.grad = torch.ones(3)
        opt.step()
        average = 0.8 * average + 0.2 * (-0.5 * t)  # θ_t = −0.5 t, average starts at θ₀ = 0
    live = w.detach().clone()
    with averaged([opt]):
        torch.testing.assert_close(w.detach(), torch.full((3,), average))
    assert torch.equal(w.detach(), live)
    with pytest.raises(RuntimeError):
        with averaged([opt]):
            opt.step()


def test_vae_validates_and_samples_with_the_average(tmp_path):
    sink = ev.ListSink()
    p = VAEParams(device="cpu", epochs=1, ema=0.9, seed=2)
    out = execute(JOB, p, tmp_path, [sink])
    assert out.status == "completed", out.error
    [val] = [e.values for e in sink.of(ev.Metrics) if e.phase == "val"]
    data = images.load("digits")
    parts = images.split(data, p.val_fraction, p.seed)
    x = torch.from_numpy(parts.x_val)

    def loss(averages):
        task = restore(p, data.shape)
        task.load_state_dict(RunStore(out.run_dir).load_checkpoint("last")["task"])
        if averages:
            use_averages(task.optimizers().values())
        task.train(False)
        torch.manual_seed(p.seed + 1)  # the loop's validation noise
        with torch.no_grad():
            return task.evaluate(x, torch.from_numpy(parts.y_val))["loss"]

    assert val["loss"] == pytest.approx(loss(True), rel=1e-6)
    assert abs(val["loss"] - loss(False)) > 1e-3
