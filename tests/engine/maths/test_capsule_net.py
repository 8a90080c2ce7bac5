"""The capsule network of SEEDS.md §13: its layer is the bench's routing (engine.maths.routing)
in torch, the §13 checks hold for it, the sizes are the author's, and a short run learns."""

import math

import numpy as np
import pytest
import torch

from engine import events as ev
from engine.jobs import execute
from engine.maths import routing as R
from engine.models import capsule as C
from engine.train.capsule import JOB, CapsuleParams


@pytest.mark.parametrize("routings", [1, 2, 3, 5])
def test_layer_is_the_authors_routing(routings):
    torch.manual_seed(routings)
    layer = C.Capsule(5, num_capsule=3, dim_capsule=4, routings=routings, constant=0.5).double()
    u = torch.randn(2, 7, 5, dtype=torch.float64)
    with torch.no_grad():
        out, coupling = layer(u)
        u_hat = layer.predictions(u).numpy()
    for b in range(2):
        if routings == 1:  # the uniform start only
            want, want_c = R.squash(u_hat[b].sum(0) / 3, 0.5), np.full((7, 3), 1 / 3)
        else:
            last = R.author_routing(u_hat[b], routings - 1, constant=0.5)[-1]
            want, want_c = last.outputs, last.coupling
        np.testing.assert_allclose(out[b].numpy(), want, rtol=1e-6)
        np.testing.assert_allclose(coupling[b].numpy(), want_c, rtol=1e-12)


def test_layer_checks_of_section_13():
    torch.manual_seed(0)
    layer = C.Capsule(6, num_capsule=4, dim_capsule=3).double()
    u = torch.randn(3, 9, 6, dtype=torch.float64)
    with torch.no_grad():
        out, _ = layer(u)
        perm = torch.randperm(9)
        np.testing.assert_allclose(layer(u[:, perm])[0].numpy(), out.numpy(), atol=1e-12)  # permutation invariant
        one, _ = layer(u[:, :1])
        wu = (u[:, 0] @ layer.weight).view(3, 4, 3)
        cos = torch.nn.functional.cosine_similarity(one, wu, dim=-1)
        np.testing.assert_allclose(cos.numpy(), 1.0, atol=1e-12)  # one input capsule → direction W u
    v = torch.tensor([[0.6, 0.8]])
    assert float(C.squash(v, 1.0).norm()) == pytest.approx(0.5, abs=1e-6)
    assert float(C.squash(v, 0.5).norm()) == pytest.approx(2 / 3, abs=1e-6)
    assert float(C.squash(v * 1e4, 1.0).norm()) == pytest.approx(1.0, abs=1e-6)


def test_margin_loss_by_hand():
    scores = torch.tensor([[0.95, 0.5, 0.05], [0.2, 0.0, 0.0]])
    loss = C.margin_loss(scores, torch.tensor([0, 0]))
    np.testing.assert_allclose(loss.numpy(), [0.25 * 0.4 ** 2 / 3, 0.7 ** 2 / 3], rtol=1e-6)


def test_pairs_side_by_side_and_hits():
    x = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 1, 2, 2)
    y = torch.tensor([3, 1, 1, 7])
    pairs, labels = C.side_by_side(x, y)
    assert labels.tolist() == [[1, 3], [1, 7], [3, 7]]  # (3,1), (1,7), (7,3); (1,1) left out
    assert pairs.shape == (3, 1, 2, 4) and pairs[0, 0, 0].tolist() == [0, 0, 1, 1]
    scores = torch.zeros(3, 10)
    scores[0, [1, 3]] = torch.tensor([0.9, 0.6])
    scores[1, [1, 7]] = torch.tensor([0.9, 0.4])
    scores[2, [3, 5]] = torch.tensor([0.9, 0.8])
    top2, confident = C.pair_hits(scores, labels)
    assert top2.tolist() == [True, True, False] and confident.tolist() == [True, False, False]


def test_sizes_are_the_authors():
    trunk = (1 * 64 * 9 + 64) + (64 * 64 * 9 + 64) + (64 * 128 * 9 + 128) + (128 * 128 * 9 + 128)
    capsnet, cnn = C.build("capsule", (1, 28, 28)), C.build("cnn", (1, 28, 28))
    assert sum(p.numel() for p in capsnet.parameters()) == trunk + 128 * 10 * 16
    assert sum(p.numel() for p in cnn.parameters()) == trunk + 128 * 128 + 128 + 128 * 10 + 10  # both ≈ 270 k
    with torch.no_grad():
        for model in (capsnet, cnn):  # single digits and two side by side
            assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)
            assert model(torch.rand(2, 1, 28, 56)).shape == (2, 10)
        assert capsnet.capsules(torch.rand(2, 1, 28, 28)).shape == (2, 10, 16)
        small = C.build("capsule", (1, 8, 8))
        assert small(torch.rand(3, 1, 8, 16)).shape == (3, 10)
        assert 0 <= float(small(torch.rand(3, 1, 8, 8)).min()) and float(small(torch.rand(3, 1, 8, 8)).max()) < 1


@pytest.mark.slow
def test_capsule_job_learns_digits(tmp_path):
    sink = ev.ListSink()
    out = execute(JOB, CapsuleParams(epochs=3, batch_size=32, device="cpu"), tmp_path, [sink])
    assert out.status == "completed", out.error
    val = [e.values for e in sink.of(ev.Metrics) if e.phase == "val"]
    assert val[-1]["loss"] < val[0]["loss"] and val[-1]["acc"] > 0.5
    pics = {a.kind: a.payload for a in sink.of(ev.Artifact)}
    assert pics["image_grid"]["images"].shape[1:] == (4, 8, 16) and pics["bars"]["counts"].shape == (10,)
    assert math.isfinite(val[-1]["pair_top2"]) and 0 <= val[-1]["pair_confident"] <= val[-1]["pair_top2"] <= 1
