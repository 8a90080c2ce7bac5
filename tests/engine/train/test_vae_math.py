"""Analytic checks of the VAE's pieces (SEEDS.md V9 and §9.5)."""

import math

import pytest
import torch

from engine.models import vae


@pytest.mark.parametrize("mu, var, expected", [
    ([0.0], [1.0], 0.0),
    ([1.0], [1.0], 0.5),
    ([0.0], [math.e], 0.5 * (math.e - 1 - 1)),  # ≈ 0.359141
    ([1.0, -2.0], [0.5, 2.0], 0.5 * (1 + 0.5 - math.log(0.5) - 1) + 0.5 * (4 + 2 - math.log(2) - 1)),
])
def test_gaussian_kl_closed_form(mu, var, expected):
    kl = vae.gaussian_kl(torch.tensor([mu]), torch.log(torch.tensor([var])))
    assert kl.item() == pytest.approx(expected, abs=1e-6)


def test_v9_third_case_value():
    kl = vae.gaussian_kl(torch.zeros(1, 1), torch.ones(1, 1))  # log σ² = 1 → σ² = e
    assert kl.item() == pytest.approx(0.359141, abs=1e-6)


def test_kl_matches_monte_carlo():
    mu, logvar = torch.tensor([[0.7, -0.3]]), torch.tensor([[-0.5, 0.4]])
    torch.manual_seed(0)
    z = vae.reparameterize(mu.expand(200000, 2), logvar.expand(200000, 2))
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(0.0, 1.0)
    mc = (q.log_prob(z) - p.log_prob(z)).sum(1).mean()
    assert mc.item() == pytest.approx(vae.gaussian_kl(mu, logvar).item(), abs=0.01)


def test_reparameterised_sample_moments():
    torch.manual_seed(1)
    mu, logvar = torch.full((100000, 1), 2.0), torch.full((100000, 1), math.log(0.25))
    z = vae.reparameterize(mu, logvar)
    assert z.mean().item() == pytest.approx(2.0, abs=0.01)
    assert z.var().item() == pytest.approx(0.25, abs=0.01)


def test_bernoulli_reconstruction_is_summed_bce():
    x = torch.tensor([[[[1.0, 0.0], [0.5, 1.0]]]])
    p = torch.tensor([[[[0.9, 0.2], [0.5, 0.6]]]])
    logits = torch.log(p / (1 - p))
    by_hand = -(math.log(0.9) + math.log(0.8) + 0.5 * math.log(0.5) + 0.5 * math.log(0.5) + math.log(0.6))
    got = vae.reconstruction_nll(logits, x, "bernoulli", 1.0)
    assert got.item() == pytest.approx(by_hand, rel=1e-5)


def test_gaussian_reconstruction_is_scaled_squared_error():
    x = torch.zeros(1, 1, 1, 2)
    logits = torch.tensor([[[[0.0, 0.0]]]])  # sigmoid → 0.5 each
    got = vae.reconstruction_nll(logits, x, "gaussian", 0.5)
    assert got.item() == pytest.approx((0.25 + 0.25) / (2 * 0.25))


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (1, 13, 10), (3, 32, 32)])
@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_decoder_returns_input_shape(arch, shape):
    model = vae.ARCHS[arch](shape, latent=3, hidden=16)
    out, mu, logvar = model(torch.rand(4, *shape))
    assert out.shape == (4, *shape) and mu.shape == (4, 3) and logvar.shape == (4, 3)


def test_mlp_matches_blog_shapes():
    model = vae.MLPVAE((1, 28, 28), latent=2, hidden=256)
    sizes = [p.shape for p in model.parameters()]
    assert torch.Size([256, 784]) in sizes and torch.Size([2, 256]) in sizes and torch.Size([784, 256]) in sizes


def test_conv_matches_the_authors_keras_model():
    """vae_keras_cnn.py on 28×28: Conv 32, 64 (3×3, s2) → Dense 16 → (μ, log σ²) of 2; Dense 7·7·64 →
    ConvT 64, 32 (3×3, s2) → ConvT 1 (3×3, s1).  Keras' summary counts, weights + biases by hand:"""
    keras = [9 * 1 * 32 + 32, 9 * 32 * 64 + 64, 3136 * 16 + 16, 16 * 2 + 2, 16 * 2 + 2,
             2 * 3136 + 3136, 9 * 64 * 64 + 64, 9 * 64 * 32 + 32, 9 * 32 * 1 + 1]
    model = vae.build("conv", (1, 28, 28))
    assert sum(p.numel() for p in model.parameters()) == sum(keras) == 134165
    kernels = [m for m in model.decoder if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(k.in_channels, k.out_channels, k.stride) for k in kernels] == [(64, 64, (2, 2)), (64, 32, (2, 2)),
                                                                             (32, 1, (1, 1))]
    assert model.decode(torch.zeros(3, 2)).shape == (3, 1, 28, 28)


def test_hidden_zero_is_the_authors_width_for_each_arch():
    assert vae.build("mlp", (1, 8, 8)).mu.in_features == 256
    assert vae.build("conv", (1, 8, 8)).mu.in_features == 16
    assert vae.build("conv", (1, 8, 8), hidden=40).mu.in_features == 40
