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


def test_v11_wgan_value_is_the_distance():
    d = float(torch.dist(ALPHA, BETA))
    res = minimize_scalar(lambda delta: -delta, bounds=(-d, d), method="bounded")  # 1-Lipschitz: |ΔT| ≤ d
    assert -res.fun == pytest.approx(d, abs=1e-4)


@pytest.mark.parametrize("norm, d", [("l2", math.sqrt((9 + 16) / 2)), ("l1", (3 + 4) / 2)])
def test_v11_gan_qp_value_is_half_lambda_d(norm, d):
    loss, (t_alpha, t_beta) = best_critic_loss("gan-qp", norm)
    assert -loss == pytest.approx(0.5 * 10 * d, rel=1e-6)
    assert (t_alpha - t_beta) == pytest.approx(10 * d, rel=1e-4)  # the maximiser ΔT = λd


def test_v12_optimal_qp_critic_is_bounded():
    rng = np.random.default_rng(0)
    for _ in range(20):
        w_forward, w_back = rng.random(2)  # p(x_r)q(x_f) and p(x_f)q(x_r) for one pair of points
        lam_d = rng.uniform(0.1, 5)
        objective = lambda t: -(w_forward * (t - t * t / (2 * lam_d)) + w_back * (-t - t * t / (2 * lam_d)))  # noqa
        t = minimize_scalar(objective).x
        assert abs(t / lam_d) <= 1 + 1e-9
        assert t / lam_d == pytest.approx((w_forward - w_back) / (w_forward + w_back), abs=1e-6)


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
