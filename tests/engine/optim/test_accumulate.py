"""Gradient accumulation (SEEDS.md §14.1, §14.5): k micro-batches make the
update of one batch of their union — against torch's own optimizer on the
big batch, and through the training loop on the VAE."""

import io

import numpy as np
import pytest
import torch

from engine import events as ev
from engine.control import RunControl
from engine.jobs import execute
from engine.optim.accumulate import Accumulate
from engine.optim.build import build
from engine.runs import RunStore
from engine.train.vae import JOB, VAEParams


def regression(seed=0, n=96, d=5):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = x @ torch.randn(d, 1, generator=g) + 0.1 * torch.randn(n, 1, generator=g)
    return x, y


def mlp():
    torch.manual_seed(3)
    return torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))


def step(model, opt, x, y):
    loss = torch.nn.functional.mse_loss(model(x), y)  # a mean over samples, no BatchNorm
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


@pytest.mark.parametrize("make", [
    lambda ps: torch.optim.SGD(ps, lr=0.1),
    lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: torch.optim.Adam(ps, lr=0.01),
])
def test_k_micro_batches_equal_one_big_batch(make):
    x, y = regression()
    big, small = mlp(), mlp()
    ref, acc = make(big.parameters()), Accumulate(make(small.parameters()), steps=4)
    for update in range(3):  # several updates: momentum and Adam's moments move once per update
        rows = slice(32 * update, 32 * update + 32)
        step(big, ref, x[rows], y[rows])
        for part in range(4):
            sub = slice(32 * update + 8 * part, 32 * update + 8 * part + 8)
            step(small, acc, x[sub], y[sub])
    for a, b in zip(big.parameters(), small.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
    if isinstance(ref, torch.optim.Adam):
        assert all(int(acc.state[p]["step"]) == 3 for p in small.parameters())


def test_unequal_micro_batches_are_weighted_by_their_samples():
    x, y = regression(n=67)
    big, small = mlp(), mlp()
    ref, acc = torch.optim.SGD(big.parameters(), lr=0.1), Accumulate(torch.optim.SGD(small.parameters(), lr=0.1), 4)
    step(big, ref, x, y)
    for lo, hi in [(0, 25), (25, 50), (50, 67)]:
        acc.samples = hi - lo
        step(small, acc, x[lo:hi], y[lo:hi])
    assert all(torch.equal(p, q) for p, q in zip(mlp().parameters(), small.parameters()))  # not yet applied
    acc.flush()  # the end of an epoch closes the group
    for a, b in zip(big.parameters(), small.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_sgd_step_matches_the_closed_form_gradient():
    x, y = regression()
    w = torch.zeros(5, 1, requires_grad=True)
    acc = Accumulate(torch.optim.SGD([w], lr=0.5), steps=3)
    for part in range(3):
        loss = ((x[32 * part:32 * part + 32] @ w - y[32 * part:32 * part + 32]) ** 2).mean()
        acc.zero_grad()
        loss.backward()
        acc.step()
    xn, yn = x.double().numpy(), y.double().numpy()
    expected = -0.5 * 2 * xn.T @ (-yn) / len(xn)  # w₀ = 0: ∇ mean (xw − y)² = 2xᵀ(xw − y)/n
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-5)


def val_loss(tmp_path, **kw):
    sink = ev.ListSink()
    p = VAEParams(device="cpu", optimizer="sgd", seed=1, epochs=2, **kw)
    out = execute(JOB, p, tmp_path, [sink])
    assert out.status == "completed", out.error
    return [e.values["loss"] for e in sink.of(ev.Metrics) if e.phase == "val"]


def test_vae_batch_25_accumulate_4_ends_as_batch_100(tmp_path):
    """Digits' 1,617 training images: 16 batches of 100 and one of 17, or 64 of 25 and
    one of 17 — the loop closes the group at the epoch's end, the noise ε is drawn
    sample after sample, so both runs see the same data and the same noise."""
    big = val_loss(tmp_path, batch_size=100)
    accumulated = val_loss(tmp_path, batch_size=25, accumulate=4)
    plain = val_loss(tmp_path, batch_size=25)
    assert accumulated[-1] == pytest.approx(big[-1], rel=1e-5, abs=1e-5)
    assert abs(plain[-1] - big[-1]) > 1e-2  # the comparison can tell batch 25 from batch 100


def test_state_dict_round_trip_resumes_every_wrapper_exactly():
    class P:
        optimizer, lr, accumulate, schedule, weight_decay = "adam", 0.01, 3, "4:1,10:0.2", 0.01
        layer_adaptation, lookahead, lazy, ema = True, True, True, 0.9

    x, y = regression()

    def run(model, opt, lo, hi):
        for i in range(lo, hi):
            step(model, opt, x[8 * (i % 12):8 * (i % 12) + 8], y[8 * (i % 12):8 * (i % 12) + 8])

    straight = mlp()
    opt = build(P, straight.named_parameters())
    run(straight, opt, 0, 20)
    first = mlp()
    opt = build(P, first.named_parameters())
    run(first, opt, 0, 7)  # mid-group: 7 = 2·3 + 1
    buf = io.BytesIO()
    torch.save({"m": first.state_dict(), "o": opt.state_dict()}, buf)
    buf.seek(0)
    saved = torch.load(buf, weights_only=False)
    second = mlp()
    opt = build(P, second.named_parameters())
    second.load_state_dict(saved["m"])
    opt.load_state_dict(saved["o"])
    run(second, opt, 7, 20)
    for a, b in zip(straight.parameters(), second.parameters()):
        assert torch.equal(a, b)


def test_vae_job_resumes_mid_group_exactly(tmp_path):
    p = VAEParams(device="cpu", seed=1, epochs=2, batch_size=25, accumulate=4, ema=0.9, lookahead=True,
                  schedule="20:1", layer_adaptation=True, weight_decay=0.01)
    straight = execute(JOB, p, tmp_path / "a")
    control = RunControl()

    def stop_at_step_10(e):
        if isinstance(e, ev.Metrics) and e.phase == "train" and e.step == 10:  # 10 = 2·4 + 2: mid-group
            control.request_stop()

    first = execute(JOB, p, tmp_path / "b", [stop_at_step_10], control)
    assert first.status == "stopped"
    resumed = execute(JOB, p, tmp_path / "b", resume_dir=first.run_dir)
    assert resumed.status == "completed"
    a = RunStore(straight.run_dir).load_checkpoint("last")["task"]
    b = RunStore(resumed.run_dir).load_checkpoint("last")["task"]
    for k, v in a["modules"]["vae"].items():
        assert torch.equal(v, b["modules"]["vae"][k]), k
    ema_a = a["optimizers"]["vae"]["inner"]["own"]["copy"]  # Accumulate ∘ EMA: the EMA's average
    ema_b = b["optimizers"]["vae"]["inner"]["own"]["copy"]
    assert all(torch.equal(u, v) for u, v in zip(ema_a, ema_b))
