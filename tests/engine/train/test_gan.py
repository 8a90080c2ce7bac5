"""GAN losses against SEEDS.md V11–V12 and hand-computed penalties; toy data; a short run."""

import math

import numpy as np
import pytest
import torch
from scipy.optimize import minimize, minimize_scalar

from engine import events as ev
from engine.data import toy2d
from engine.jobs import execute
from engine.models import gan_losses as L
from engine.runs import RunStore
from engine.train.gan import GANParams
from engine.train.registry import EXPERIMENTS


class Lookup(torch.nn.Module):
    """A critic free to take any value at each of a few fixed points (the dual's T as a table)."""

    def __init__(self, points: torch.Tensor, values) -> None:
        super().__init__()
        self.points = points
        self.values = torch.as_tensor(np.asarray(values), dtype=torch.float64)

    def forward(self, x):
        idx = torch.cdist(x.double(), self.points.double()).argmin(dim=1)
        return self.values[idx].unsqueeze(-1)


class Linear(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = torch.tensor(w, dtype=torch.float64)

    def forward(self, x):
        return (x.double() @ self.w).unsqueeze(-1) + 0.5


ALPHA, BETA = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])


def best_critic_loss(name, norm="l2"):
    pts = torch.cat([ALPHA, BETA])
    res = minimize(lambda v: float(L.critic_loss(name, Lookup(pts, np.clip(v, -60, 60)), ALPHA, BETA,
                                                 qp_norm=norm)), x0=[0.0, 0.0], method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return res.fun, np.clip(res.x, -60, 60)


def test_v11_standard_gan_is_blind_to_distance():
    """Its dual reaches the same value (JS = log 2) however far apart the two point masses are."""
    found = []
    for far in (1.0, 100.0):
        pts = torch.cat([ALPHA, far * BETA])
        res = minimize(lambda v: float(L.critic_loss("standard", Lookup(pts, v), ALPHA, far * BETA)),
                       x0=[0.0, 0.0], bounds=[(-40, 40)] * 2, method="L-BFGS-B")
        found.append(math.log(2) - res.fun / 2)  # max dual = 2·JS − log 4; the optimiser stalls as
    assert found[0] == pytest.approx(math.log(2), abs=1e-4)  # the gradient vanishes (V11's point)
    assert found[1] == pytest.approx(found[0], abs=1e-4)


@pytest.mark.parametrize("name", ["wgan-gp", "wgan-div"])
def test_v11_wgan_value_is_the_distance(name):
    """Over 1-Lipschitz critics T(x) = ⟨u, x⟩ (‖u‖ = 1, any direction θ) the project's critic loss
    reaches −d(α, β) for WGAN-GP, whose penalty vanishes there, and −d(α, β) + k for WGAN-div (its
    penalty (k/2)(‖∇T‖⁶ + ‖∇T‖⁶) is k = 2 at ‖∇T‖ = 1; the author's mirrored sign: real is β)."""
    d = float(torch.dist(ALPHA, BETA))

    def loss(theta):
        critic = Linear([math.cos(theta), math.sin(theta)])
        real, fake = (ALPHA, BETA) if name == "wgan-gp" else (BETA, ALPHA)
        return float(L.critic_loss(name, critic, real.double(), fake.double()))

    res = minimize_scalar(loss, bounds=(-math.pi, math.pi), method="bounded", options={"xatol": 1e-10})
    assert -res.fun == pytest.approx(d if name == "wgan-gp" else d - 2.0, abs=1e-8)


@pytest.mark.parametrize("seed", range(8))
def test_v12_optimal_qp_critic_is_bounded(seed):
    """p and q on two points a, b; every (real, fake) pair of the product p ⊗ q in one batch.  The
    critic minimising the project's GAN-QP loss has ΔT/(λd) = (p_a q_b − p_b q_a)/(p_a q_b + p_b q_a)
    on the pair (a, b): inside [−1, 1] (V12), with no Lipschitz constraint imposed."""
    rng = np.random.default_rng(seed)
    a, b = torch.tensor(rng.normal(size=(1, 2))), torch.tensor(rng.normal(size=(1, 2)))
    p_counts, q_counts = rng.integers(1, 9, 2), rng.integers(1, 9, 2)
    reals = [x for x, c in zip((a, b), p_counts) for _ in range(c)]
    fakes = [x for x, c in zip((a, b), q_counts) for _ in range(c)]
    real = torch.cat([r for r in reals for _ in fakes])
    fake = torch.cat([f for _ in reals for f in fakes])
    pts = torch.cat([a, b])
    res = minimize_scalar(lambda delta: float(L.critic_loss("gan-qp", Lookup(pts, [delta, 0.0]), real, fake)))
    lam_d = 10 * float((a - b).pow(2).mean().sqrt())  # λ·d, d the RMS distance (qp_norm "l2")
    forward, back = p_counts[0] * q_counts[1], p_counts[1] * q_counts[0]
    assert abs(res.x / lam_d) <= 1
    assert res.x / lam_d == pytest.approx((forward - back) / (forward + back), abs=1e-6)


def test_gradient_penalties_by_hand():
    critic = Linear([3.0, 4.0])  # ∇T = (3, 4) everywhere, ‖∇T‖ = 5
    real = torch.tensor([[1.0, 2.0], [0.0, -1.0]], dtype=torch.float64)
    fake = torch.tensor([[0.5, 0.5], [2.0, 2.0]], dtype=torch.float64)
    assert L.wgan_gp_penalty(critic, real, fake).item() == pytest.approx(10 * (5 - 1) ** 2)
    assert L.wgan_div_penalty(critic, real, fake).item() == pytest.approx(2 / 2 * (5 ** 6 + 5 ** 6))


def test_gp_penalty_on_interpolates_by_hand():
    class Half(torch.nn.Module):  # T = ½‖x‖², ∇T = x
        def forward(self, x):
            return 0.5 * x.pow(2).sum(1, keepdim=True)

    real, fake = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 0.0]])
    got = L.wgan_gp_penalty(Half(), real, fake, alpha=torch.tensor([[0.25]]))
    assert got.item() == pytest.approx(10 * (0.5 - 1) ** 2)  # x̂ = (0.5, 0), ‖∇T(x̂)‖ = 0.5


def test_losses_by_hand():
    critic = Linear([1.0, 0.0])
    real, fake = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 0.0]])  # T = 2.5 and 0.5
    sp = lambda v: math.log1p(math.exp(v))  # noqa: E731
    assert L.critic_loss("standard", critic, real, fake).item() == pytest.approx(sp(-2.5) + sp(0.5))
    assert L.generator_loss("standard", critic, real, fake).item() == pytest.approx(sp(-0.5))
    d = math.sqrt(4 / 2)
    assert L.critic_loss("gan-qp", critic, real, fake).item() == pytest.approx(-2 + 4 / (2 * 10 * d))
    assert L.generator_loss("gan-qp", critic, real, fake).item() == pytest.approx(2.0)
    assert L.critic_loss("wgan-div", critic, real, fake).item() == pytest.approx(2.0 + 1 + 1)
    assert L.generator_loss("wgan-gp", critic, real, fake).item() == pytest.approx(-0.5)


def test_toy_sets_and_metrics():
    for name in toy2d.TOYS:
        pts, labels = toy2d.sample(name, 500, 0.05, seed=1)
        assert pts.shape == (500, 2) and labels.shape == (500,) and np.isfinite(pts).all()
    ring, _ = toy2d.sample("gaussians8", 5000, 0.02, seed=0)
    # a 2-D Gaussian keeps exp(−9/2) ≈ 0.0111 of its mass beyond 3σ
    assert toy2d.mode_coverage(ring, 0.02) == (8, pytest.approx(math.exp(-4.5), abs=0.004))
    assert toy2d.mode_coverage(np.zeros((100, 2)), 0.02) == (0, 1.0)
    shifted = ring + np.array([0.3, 0.4])
    # sliced W1 of a translation t is ‖t‖·E|cos θ| = 0.5 · 2/π in 2-D
    assert toy2d.sliced_wasserstein(ring, shifted, projections=4000) == pytest.approx(0.5 * 2 / np.pi, rel=0.05)
    assert toy2d.sliced_wasserstein(ring, ring) == 0.0


def test_short_gan_run_improves_and_draws(tmp_path):
    sink = ev.ListSink()
    out = execute(EXPERIMENTS["gan"], GANParams(points=4000, epochs=12, device="cpu"), tmp_path, [sink])
    assert out.status == "completed"
    swd = [e.values["swd"] for e in sink.of(ev.Metrics) if e.phase == "val"]
    assert swd[-1] < 0.7 * swd[0]
    [scatter] = [a.payload for a in sink.of(ev.Artifact) if a.kind == "scatter"][-1:]
    assert list(scatter["names"]) == ["real", "generated"] and scatter["points"].shape == (1600, 2)


def test_one_sample_is_refused(tmp_path):
    out = execute(EXPERIMENTS["gan"], GANParams(data="moons", points=1), tmp_path)
    assert out.status == "failed" and "at least" in out.error


def critic_batches(monkeypatch, after=None):
    """Every real batch the project's critic loss trains on, in order; ``after(count)`` follows each.
    (The memory precheck's step on the meta device is not training.)"""
    seen = []
    honest = L.critic_loss

    def spy(name, critic, real, fake, **kw):
        if real.device.type != "meta":
            seen.append(real.detach().clone())
            if after:
                after(len(seen))
        return honest(name, critic, real, fake, **kw)

    monkeypatch.setattr(L, "critic_loss", spy)
    return seen


def test_each_critic_step_draws_a_fresh_real_batch(tmp_path, monkeypatch):
    """As the author's loops: WGAN-GP's 5 critic steps per generator step see 5 different batches,
    all of training points (400 points, 320 for training: 5 steps of 64 an epoch)."""
    seen = critic_batches(monkeypatch)
    out = execute(EXPERIMENTS["gan"], GANParams(loss="wgan-gp", points=400, batch_size=64, epochs=1, device="cpu"),
                  tmp_path)
    assert out.status == "completed" and len(seen) == 5 * 5
    train = {tuple(row) for row in toy2d.sample("gaussians8", 400, 0.02, seed=0)[0][:320].tolist()}
    for step in range(5):
        group = seen[5 * step:5 * step + 5]
        assert all(len(b) == 64 for b in group)
        assert all(not torch.equal(group[i], group[j]) for i in range(5) for j in range(i))
        assert all(tuple(row) in train for b in group for row in b.tolist())


def test_gan_with_drawn_batches_resumes_exactly(tmp_path, monkeypatch):
    """Stopped after its third generator step (mid-epoch) and resumed, a WGAN-GP run ends with the
    weights of an uninterrupted one: the extra batches come from the checkpointed generator."""
    from engine.control import RunControl

    p = GANParams(loss="wgan-gp", points=400, batch_size=64, epochs=2, device="cpu")
    straight = execute(EXPERIMENTS["gan"], p, tmp_path / "a")
    control = RunControl()
    critic_batches(monkeypatch, after=lambda n: n == 3 * 5 and control.request_stop())  # the loop stops after step 3
    first = execute(EXPERIMENTS["gan"], p, tmp_path / "b", control=control)
    assert first.status == "stopped" and RunStore(first.run_dir).load_checkpoint("last")["step"] == 3
    resumed = execute(EXPERIMENTS["gan"], p, tmp_path / "b", resume_dir=first.run_dir)
    assert resumed.status == "completed"
    for net in ("generator", "critic"):
        a, b = (RunStore(r.run_dir).load_checkpoint("last")["task"]["modules"][net] for r in (straight, resumed))
        assert all(torch.equal(a[k], b[k]) for k in a), net
