"""The post's network piece by piece, against formulas computed here by hand."""

import numpy as np
import pytest
import torch

from engine.models.verse_vae import GatedConv1d, VerseVAE, pick, reconstruction


def test_gated_layer_is_a_times_sigmoid_b_plus_its_input():
    torch.manual_seed(0)
    layer = GatedConv1d(3)
    x = torch.randn(2, 6, 3)
    w = layer.conv.weight.detach().numpy()  # (2C, C, 3)
    xp = np.pad(x.numpy(), ((0, 0), (1, 1), (0, 0)))  # 'same' padding of a kernel 3
    conv = np.stack([sum(xp[:, t + k] @ w[:, :, k].T for k in range(3)) for t in range(6)], axis=1)
    a, b = conv[..., :3], conv[..., 3:]
    expected = a / (1 + np.exp(-b)) + x.numpy()
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert layer.conv.bias is None


def test_shapes_of_the_posts_model():
    m = VerseVAE(vocab=30)
    ids = torch.randint(0, 30, (5, 10))
    mu, logvar = m.encode(ids)
    assert mu.shape == logvar.shape == (5, 64)
    assert m.decode(mu).shape == (5, 10, 30)
    assert m.expand.out_features == 64 * 10 and m.embed.embedding_dim == 64
    assert float(m.embed.weight.detach().abs().max()) <= 0.05  # Keras' embedding initialisation


def test_reconstruction_sums_the_cross_entropy_of_the_ten_positions():
    torch.manual_seed(1)
    logits = torch.randn(3, 10, 7)
    ids = torch.randint(0, 7, (3, 10))
    lg = logits.numpy()
    log_p = lg - np.log(np.exp(lg).sum(-1, keepdims=True))
    expected = -np.take_along_axis(log_p, ids.numpy()[..., None], -1)[..., 0].sum(1)
    np.testing.assert_allclose(reconstruction(logits, ids).numpy(), expected, rtol=1e-5)


def test_greedy_pick_is_the_argmax_and_sampling_follows_the_tempered_softmax():
    logits = torch.tensor([[[2.0, 1.0, 0.0, -1.0]] * 10])
    assert pick(logits).tolist() == [[0] * 10]
    big = logits.expand(2000, 10, 4)
    for t in (0.5, 2.0):
        drawn = pick(big, t, torch.Generator().manual_seed(3)).numpy().ravel()
        freq = np.bincount(drawn, minlength=4) / drawn.size
        e = np.exp(np.array([2.0, 1.0, 0.0, -1.0]) / t)
        assert np.abs(freq - e / e.sum()).max() < 0.015  # 20,000 draws: sd < 0.004


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_decoding_a_z_does_not_depend_on_the_rest_of_the_batch(temperature):
    torch.manual_seed(2)
    m = VerseVAE(vocab=12).eval()
    z = torch.randn(6, 64)
    with torch.no_grad():
        together = pick(m.decode(z), temperature, torch.Generator().manual_seed(5))
        again = pick(m.decode(z), temperature, torch.Generator().manual_seed(5))
        alone = pick(m.decode(z[2:3]), 0.0)
    assert torch.equal(together, again)
    if temperature == 0:
        assert torch.equal(alone[0], together[2])
