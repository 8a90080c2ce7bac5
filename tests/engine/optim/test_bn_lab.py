"""The BN lab (SEEDS.md §7, V13): power iteration against eigvalsh, the probes against
hand-computed softmax regression, and a short training comparison on digits."""

import numpy as np
import pytest
import torch
from scipy.special import log_softmax, softmax

from engine import events as ev
from engine.jobs import execute
from engine.tasks import TaskContext
from engine.train.bn_lab import JOB, LIPSCHITZ, BNLabParams, LipschitzParams, lambda_max, lipschitz, network, probe


@pytest.mark.parametrize("spectrum", [[9.0, 4.0, 3.0, 2.0, 1.0, 0.5], [9.0, 4.0, 3.0, 2.0, 1.0, -20.0]])
def test_power_iteration_finds_the_eigenvalue_of_largest_magnitude(spectrum):
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    a = q @ np.diag(spectrum) @ q.T
    w = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    found = lambda_max(lambda: 0.5 * w @ torch.from_numpy(a) @ w, [w], 500, torch.Generator().manual_seed(1))
    eig = np.linalg.eigvalsh(a)
    assert found == pytest.approx(eig[np.argmax(np.abs(eig))], rel=1e-6)


@pytest.mark.parametrize("dim, mean", [(10, 1.0), (5, 2.0), (3, 0.5)])
def test_v13_lambda_max_is_one_plus_d_m_squared_then_one(dim, mean):
    r = lipschitz(LipschitzParams(dim=dim, mean=mean, samples=100_000))
    # sampling error of the top eigenvalue: sd of (1ᵀx/√d)² over n samples is √((2 + 4dm²)/n) ≲ 0.03
    assert r["lambda_max_raw"] == pytest.approx(1 + dim * mean ** 2, abs=0.15)
    assert r["lambda_max_centred"] == pytest.approx(1.0, abs=0.05)  # the sample covariance's top ≈ (1+√(d/n))²
    assert LIPSCHITZ.to_json(r)["lambda_max_raw"] == r["lambda_max_raw"]
    assert "1 + d·m²" in LIPSCHITZ.summary(r)


def test_too_few_samples_are_said_with_the_edge_they_give():
    # n = 400 standard normals in d = 100 dimensions: the top of the sample covariance sits near the
    # Bai–Yin edge (1 + √(d/n))² = 2.25, not at the population's 1
    ctx = TaskContext()
    r = lipschitz(LipschitzParams(dim=100, mean=0.0, samples=400), ctx)
    assert r["lambda_max_centred"] == pytest.approx(2.25, abs=0.25)
    assert len(ctx.warnings) == 1 and "= 2.25, not 1" in ctx.warnings[0]
    quiet = TaskContext()
    lipschitz(LipschitzParams(dim=10, samples=10_000), quiet)
    assert quiet.warnings == []


def test_probe_matches_softmax_regression_by_hand():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3)).double()
    x = torch.randn(10, 4, dtype=torch.float64)
    y = torch.randint(3, (10,))
    torch.nn.functional.cross_entropy(net(x), y).backward()
    w, b = net[1].weight.detach().numpy().copy(), net[1].bias.detach().numpy().copy()
    etas = [0.1, 0.5, 2.0]
    found = probe(net, x, y, etas, 50, torch.Generator().manual_seed(0))
    xn, onehot = x.numpy(), np.eye(3)[y.numpy()]

    def loss_grad(w, b):
        z = xn @ w.T + b
        loss = -(log_softmax(z, 1) * onehot).sum(1).mean()
        d = (softmax(z, 1) - onehot) / len(xn)
        return loss, np.concatenate([(d.T @ xn).ravel(), d.sum(0)])

    _, g = loss_grad(w, b)
    gw, gb = g[:12].reshape(3, 4), g[12:]
    losses, changes = [], []
    for eta in etas:
        loss, moved = loss_grad(w - eta * gw, b - eta * gb)
        losses.append(loss)
        changes.append(np.linalg.norm(g - moved))
    assert found["band_lo"] == pytest.approx(min(losses), rel=1e-9)
    assert found["band_hi"] == pytest.approx(max(losses), rel=1e-9)
    assert found["grad_hi"] == pytest.approx(max(changes), rel=1e-9)
    assert found["beta"] == pytest.approx(max(c / (e * np.linalg.norm(g)) for c, e in zip(changes, etas)), rel=1e-9)
    assert np.array_equal(net[1].weight.detach().numpy(), w)  # the weights are put back


def test_probe_leaves_weights_gradients_and_running_statistics_alone():
    torch.manual_seed(0)
    net = network("bn_after", 8, 6, 2, 3, "relu")
    x, y = torch.randn(16, 8), torch.randint(3, (16,))
    torch.nn.functional.cross_entropy(net(x), y).backward()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    grads = [p.grad.clone() for p in net.parameters()]
    probe(net, x, y, [0.1, 0.3], 5, torch.Generator().manual_seed(0))
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in before.items())
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, net.parameters()))


def test_bn_sits_where_each_variant_says():
    kinds = {v: [type(m).__name__ for m in network(v, 4, 5, 2, 3, "relu")] for v in ("plain", "bn_after",
                                                                                   "bn_before")}
    assert kinds["plain"] == ["Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert kinds["bn_after"][1:4] == ["Linear", "BatchNorm1d", "ReLU"]
    assert kinds["bn_before"][1:4] == ["BatchNorm1d", "Linear", "ReLU"] and kinds["bn_before"][-2] == "BatchNorm1d"


@pytest.mark.slow
def test_training_comparison_on_digits(tmp_path):
    sink = ev.ListSink()
    p = BNLabParams(device="cpu", epochs=2, probe_every=10, sweep_points=4, sweep_min=0.03, sweep_max=3.0,
                    sweep_steps=60)
    out = execute(JOB, p, tmp_path, [sink])
    assert out.status == "completed", out.error
    val = [e.values for e in sink.of(ev.Metrics) if e.phase == "val"][-1]
    assert val["loss_bn_after"] < val["loss_plain"] and val["loss_bn_before"] < val["loss_plain"]
    arts = {(a.kind, a.name): a.payload for a in sink.of(ev.Artifact)}
    bands = arts[("bands", "landscape")]
    assert bands["band_lo"].shape == (3, len(bands["steps"])) and (bands["band_lo"] <= bands["band_hi"]).all()
    sweep = arts[("sweep", "lr_sweep")]
    assert sweep["final_loss"].shape == (3, 4)
    assert out.summary["max_stable_lr/bn_after"] >= out.summary["max_stable_lr/plain"]
