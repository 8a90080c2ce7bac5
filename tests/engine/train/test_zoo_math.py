"""Analytic checks of the model zoo: VQ-VAE (SEEDS V8), cascading rejection
(§12.4), the DAE's optimal denoiser (V10), the JS dual of Deep INFOMAX (§9.5)."""

import math

import numpy as np
import pytest
import torch

from engine.models import denoiser, gan_losses, infomax, vqvae
from engine.models.gan_nets import CascadeHead, MLPCritic
from engine.train.infomax import knn_accuracy, neighbours


def small_vqvae(codes=8):
    torch.manual_seed(0)
    return vqvae.VQVAE((1, 8, 8), codes=codes, dim=4, channels=8, downsample=1, blocks=1)


def test_v8_nearest_code_is_brute_force():
    q = vqvae.Quantizer(16, 3)
    z = torch.randn(200, 3)
    book = q.codebook.detach()
    brute = torch.tensor([min(range(16), key=lambda j: float(((row - book[j]) ** 2).sum())) for row in z])
    assert torch.equal(q.nearest(z), brute)


def test_v8_straight_through_forward_is_decoding_zq_exactly():
    m = small_vqvae()
    m.eval()
    x = torch.rand(5, 1, 8, 8)
    recon, z, zq, idx = m(x)
    # z + (z_q − z) is z_q up to one float rounding of the sum
    assert (recon - m.decode(zq)).abs().max() < 1e-6
    assert torch.equal(zq, m.quantizer.codebook[idx].permute(0, 3, 1, 2))


def test_v8_gradient_reaching_z_is_what_the_decoder_input_receives():
    m = small_vqvae()
    m.eval()
    x = torch.rand(3, 1, 8, 8)
    z = m.encoder(x).detach().requires_grad_(True)
    st, zq, _ = m.quantizer(z)
    zq_leaf = zq.detach().requires_grad_(True)
    (g_z,) = torch.autograd.grad(((m.decode(st) - x) ** 2).mean(), z)
    (g_in,) = torch.autograd.grad(((m.decode(zq_leaf) - x) ** 2).mean(), zq_leaf)
    assert torch.allclose(g_z, g_in)  # the quantiser is the identity for the backward pass


def test_v8_codebook_term_trains_codes_and_commitment_trains_the_encoder():
    m = small_vqvae()
    x = torch.rand(4, 1, 8, 8)
    recon, z, zq, _ = m(x)
    terms = vqvae.vq_losses(x, recon, z, zq, beta=0.25)
    enc = list(m.encoder.parameters())
    book = m.quantizer.codebook
    g = torch.autograd.grad(terms["codebook"], [book, *enc], allow_unused=True, retain_graph=True)
    assert g[0] is not None and g[0].abs().sum() > 0 and all(t is None for t in g[1:])
    g = torch.autograd.grad(terms["commit"], [book, *enc], allow_unused=True, retain_graph=True)
    assert g[0] is None and any(t is not None and t.abs().sum() > 0 for t in g[1:])
    # and the two terms have the same value: ‖z − z_q‖² seen from either side
    assert float(terms["codebook"].detach()) == pytest.approx(float(terms["commit"].detach()))


def test_v8_code_size_of_the_authors_setting():
    m = vqvae.VQVAE((3, 128, 128), codes=64, dim=8, channels=8, downsample=2, blocks=0)
    assert m.grid == (32, 32) and m.bits == 6144  # 32·32·log2(64)
    assert m(torch.rand(1, 3, 128, 128))[0].shape == (1, 3, 128, 128)


@pytest.mark.parametrize("size", [(8, 8), (28, 28), (7, 9), (30, 30)])
def test_any_image_size_comes_back(size):
    m = vqvae.VQVAE((1, *size), codes=4, dim=2, channels=4, downsample=2, blocks=1)
    assert m(torch.rand(2, 1, *size))[0].shape == (2, 1, *size)


def test_too_small_images_are_refused():
    with pytest.raises(ValueError, match="cannot be halved"):
        vqvae.VQVAE((1, 3, 3), downsample=2)


def test_perplexity_by_hand():
    assert float(vqvae.perplexity(torch.tensor([0, 1, 2, 3]), 8)) == pytest.approx(4.0)
    assert float(vqvae.perplexity(torch.tensor([5, 5, 5]), 8)) == pytest.approx(1.0)
    # p = (1/2, 1/4, 1/4): H = 1.5 ln 2
    assert float(vqvae.perplexity(torch.tensor([0, 0, 1, 2]), 8)) == pytest.approx(2 ** 1.5)


def test_dead_codes_move_onto_encoder_outputs():
    q = vqvae.Quantizer(4, 2)
    with torch.no_grad():
        q.codebook.copy_(torch.tensor([[0.0, 0.0], [10.0, 10.0], [20.0, 20.0], [-30.0, 5.0]]))
    z = torch.tensor([[[[0.1]], [[0.0]]], [[[9.9]], [[10.0]]]])  # (B=2, d=2, 1, 1): codes 0 and 1 used
    q(z)
    assert q.usage.tolist() == [1, 1, 0, 0]
    assert q.restart_dead(z) == 2
    moved = q.codebook[2:].detach()
    outputs = z.permute(0, 2, 3, 1).reshape(-1, 2)
    assert all(any(torch.equal(row, o) for o in outputs) for row in moved)
    assert q.usage.sum() == 0


def test_cascade_residuals_are_orthogonal_and_shrink():
    torch.manual_seed(1)
    head = CascadeHead(6, 4)
    v = torch.randn(10, 6)
    res = head.residuals(v)
    for i in range(3):
        w = head.weight[i]
        assert torch.allclose(res[i + 1] @ w, torch.zeros(10), atol=1e-5)  # ⟨v_{i+1}, w_i⟩ = 0
        assert (res[i + 1].norm(dim=1) <= res[i].norm(dim=1) + 1e-6).all()
    out = head(v)
    assert out.shape == (10, 4)
    assert torch.allclose(out[:, 0], v @ head.weight[0] + head.bias[0])  # the first head is the plain critic


def test_cascade_losses_average_the_heads():
    torch.manual_seed(2)
    critic = MLPCritic((2,), 16, heads=3)
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    with torch.no_grad():
        t_r, t_f = critic(real), critic(fake)
    expect = torch.stack([torch.nn.functional.softplus(-t_r[:, i]).mean() + torch.nn.functional.softplus(t_f[:, i]).mean()
                          for i in range(3)]).mean()
    loss = gan_losses.critic_loss("standard", critic, real, fake).detach()
    assert float(loss) == pytest.approx(float(expect), rel=1e-6)


class TwoLinearHeads(torch.nn.Module):
    """T_i(x) = ⟨x, w_i⟩: each head's gradient is w_i everywhere."""

    def forward(self, x):
        return torch.stack([x @ torch.tensor([3.0, 4.0]), x @ torch.tensor([0.0, 2.0])], 1)


def test_gradient_penalty_is_taken_per_head_by_hand():
    x = torch.randn(5, 2)
    norms = gan_losses.grad_norm(TwoLinearHeads(), x)
    assert torch.allclose(norms, torch.tensor([[5.0, 2.0]] * 5))
    # WGAN-GP: 10·mean((‖∇‖ − 1)²) = 10·((5−1)² + (2−1)²)/2 = 85
    assert float(gan_losses.wgan_gp_penalty(TwoLinearHeads(), x, x)) == pytest.approx(85.0)
    # WGAN-div (k = 2, p = 6): k/2·(mean ‖∇‖⁶ on real + on fake) = 2·(5⁶ + 2⁶)/2
    assert float(gan_losses.wgan_div_penalty(TwoLinearHeads(), x, x)) == pytest.approx(2 * (5 ** 6 + 2 ** 6) / 2)


def test_v10_trained_denoiser_approaches_the_optimal_linear_one():
    """p = N(0, s²), noise σ: r*(y) = y·s²/(s² + σ²)."""
    torch.manual_seed(0)
    s, sigma = 1.5, 1.0
    model = denoiser.Denoiser((1,), hidden=32, sigmas=torch.tensor([sigma]))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(3000):
        loss = denoiser.dsm_loss(model, s * torch.randn(512, 1), model.sigmas)
        opt.zero_grad()
        loss.backward()
        opt.step()
    y = torch.linspace(-2.0, 2.0, 41).unsqueeze(1)  # where the noisy data lives (std 1.8)
    with torch.no_grad():
        r = model(y, torch.full((41,), sigma))
    slope = s ** 2 / (s ** 2 + sigma ** 2)
    assert torch.allclose(r, slope * y, atol=0.08), (r - slope * y).abs().max()
    # and the score it implies is the score of N(0, s² + σ²)
    with torch.no_grad():
        score = model.score(y, torch.full((41,), sigma))
    assert torch.allclose(score, -y / (s ** 2 + sigma ** 2), atol=0.08)


def test_ladder_and_langevin_on_a_known_score():
    sig = denoiser.ladder(4.0, 0.01, 10)
    assert float(sig[0]) == pytest.approx(4.0) and float(sig[-1]) == pytest.approx(0.01)
    assert torch.allclose(sig[1:] / sig[:-1], (sig[1] / sig[0]).expand(9))

    class Exact(denoiser.Denoiser):
        """The exact denoiser of N(0, 1) data: f = σ y / (1 + σ²)."""

        def noise(self, y, sigma):
            s = sigma.view(-1, 1)
            return s * y / (1 + s ** 2)

    torch.manual_seed(0)
    model = Exact((1,), sigmas=sig)
    # ε large enough for the low levels to mix (ε T σᵢ²/σ_L² ≫ 1 from σ = 0.08 on, where the variance
    # 1 + σ² is already ≈ 1), small enough that the first level is stable (ε σ₁²/σ_L² < 4(1 + σ₁²))
    out, snaps = denoiser.annealed_langevin(model, torch.rand(20000, 1) * 8 - 4, sig, 1000, 3e-4,
                                            keep=lambda i, t: t == 999)
    assert len(snaps) == 12
    # Langevin at σ_L samples N(0, 1 + σ_L²); the last denoising shrinks by 1/(1 + σ_L²)
    assert float(out.std()) == pytest.approx(math.sqrt(1 + 1e-4) / (1 + 1e-4), abs=0.02)
    assert abs(float(out.mean())) < 0.03


def test_js_dual_at_the_optimal_critic_is_2js_minus_ln4():
    p = np.array([0.5, 0.3, 0.2])
    q = np.array([0.1, 0.3, 0.6])
    m = (p + q) / 2
    js = 0.5 * (p * np.log(p / m)).sum() + 0.5 * (q * np.log(q / m)).sum()
    t = torch.tensor(np.log(p / q))  # the optimal T of the dual
    rng = np.random.default_rng(0)
    pos = t[torch.from_numpy(rng.choice(3, 400000, p=p))]
    neg = t[torch.from_numpy(rng.choice(3, 400000, p=q))]
    assert float(infomax.js_estimate(pos, neg)) == pytest.approx(2 * js - math.log(4), abs=3e-3)
    assert 2 * js - math.log(4) <= 0


def test_negatives_never_pair_an_image_with_itself():
    for n in (2, 3, 17):
        for _ in range(20):
            perm = infomax.derangement(n, torch.device("cpu"))
            assert sorted(perm.tolist()) == list(range(n)) and (perm != torch.arange(n)).all()


def test_neighbours_and_knn_accuracy_by_hand():
    f = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.95, 0.05]])
    assert neighbours(f, 1)[:, 0].tolist() == [4, 4, 3, 2, 0]
    labels = torch.tensor([0, 0, 1, 1, 1])
    # k = 1: rows 0, 1 see row 4 (label 1): wrong; rows 2, 3 right; row 4 sees row 0: wrong
    assert knn_accuracy(f, labels, k=1) == pytest.approx(2 / 5)


def test_infomax_prior_term_is_the_authors_mean_over_batch_and_dimensions():
    """prior_kl_loss = −½ mean(1 + log σ² − μ² − σ²) over batch and latent dimensions (infomax_cifar10.py)."""
    torch.manual_seed(3)
    model = infomax.DeepInfoMax((1, 8, 8), z_dim=5, width=4, hidden=8)
    x = torch.rand(6, 1, 8, 8) - 0.5
    with torch.no_grad():
        _, _, mu, logvar = model.encoder(x)
        terms = model.losses(x, alpha=0.0, beta=0.0, gamma=0.25)
    authors = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).mean()
    assert float(terms["kl"]) == pytest.approx(float(authors), rel=1e-6)
    assert float(terms["loss"]) == pytest.approx(0.25 * float(authors), rel=1e-6)
