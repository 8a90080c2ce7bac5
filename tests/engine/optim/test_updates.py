"""Decoupled weight decay, layer adaptation and lazy rows (SEEDS.md §14.2, §14.5)."""

import numpy as np
import pytest
import torch

from engine.optim import kernels
from engine.optim.updates import LayerAdaptation, Lazy, WeightDecay


def linear(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Linear(4, 3)


def backward(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(16, 4, generator=g), torch.randn(16, 3, generator=g)
    model.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()


def test_weight_decay_is_gamma_lambda_theta_beside_the_step():
    m = linear()
    w0, b0 = m.weight.detach().clone(), m.bias.detach().clone()
    opt = WeightDecay(torch.optim.SGD(m.parameters(), lr=0.1), 0.01, dict(map(reversed, m.named_parameters())),
                      exclude=("bias",))
    backward(m)
    gw, gb = m.weight.grad.clone(), m.bias.grad.clone()
    opt.step()
    torch.testing.assert_close(m.weight.detach(), w0 - 0.1 * gw - 0.1 * 0.01 * w0)
    torch.testing.assert_close(m.bias.detach(), b0 - 0.1 * gb)  # excluded by name


def test_adam_with_weight_decay_is_torch_adamw():
    a, b = linear(), linear()
    wrapped = WeightDecay(torch.optim.Adam(a.parameters(), lr=0.01), 0.05)
    reference = torch.optim.AdamW(b.parameters(), lr=0.01, weight_decay=0.05)
    for s in range(6):
        backward(a, s)
        wrapped.step()
        backward(b, s)
        reference.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)


def test_layer_adaptation_step_norm_is_gamma_theta_norm():
    m = linear()
    names = dict(map(reversed, m.named_parameters()))
    opt = LayerAdaptation(torch.optim.Adam(m.parameters(), lr=0.003), names, exclude=("bias",))
    plain = linear()
    ref = torch.optim.Adam(plain.parameters(), lr=0.003)
    for s in range(4):
        w0 = m.weight.detach().clone()
        backward(m, s)
        opt.step()
        step = (m.weight.detach() - w0).norm()
        torch.testing.assert_close(step, 0.003 * w0.norm(), rtol=1e-5, atol=0)
        backward(plain, s)
        ref.step()
        torch.testing.assert_close(m.bias.detach(), plain.bias.detach())  # excluded: plain Adam's step
        plain.weight.data.copy_(m.weight.detach())  # the same weights, so the same gradients next step


def test_layer_adaptation_ratio_is_one_for_zero_weights():
    w = torch.zeros(5, requires_grad=True)
    opt = LayerAdaptation(torch.optim.SGD([w], lr=0.1))
    w.grad = torch.arange(5.0)
    opt.step()
    torch.testing.assert_close(w.detach(), -0.1 * torch.arange(5.0))


def test_lazy_rows_without_gradient_stay_and_moments_still_move():
    torch.manual_seed(0)
    emb, ref = torch.nn.Embedding(6, 3), torch.nn.Embedding(6, 3)
    ref.load_state_dict(emb.state_dict())
    opt = Lazy(torch.optim.Adam(emb.parameters(), lr=0.1), {emb.weight: "embed.weight"})
    plain = torch.optim.Adam(ref.parameters(), lr=0.1)
    batches = [torch.tensor([0, 1, 2]), torch.tensor([3, 4]), torch.tensor([0, 5])]
    for i, ids in enumerate(batches):
        before = emb.weight.detach().clone()
        moments = {k: v.clone() for k, v in opt.state[emb.weight].items()}
        for m, o in [(emb, opt), (ref, plain)]:
            o.zero_grad()
            m(ids).pow(2).sum().backward()
            o.step()
        absent = torch.ones(6, dtype=torch.bool)
        absent[ids] = False
        assert torch.equal(emb.weight.detach()[absent], before[absent])
        assert not torch.equal(emb.weight.detach()[~absent], before[~absent])
        if i:  # Adam's moments of absent rows still decay: m ← β₁m, v ← β₂v
            state = opt.state[emb.weight]
            torch.testing.assert_close(state["exp_avg"][absent], 0.9 * moments["exp_avg"][absent])
            torch.testing.assert_close(state["exp_avg_sq"][absent], 0.999 * moments["exp_avg_sq"][absent])
            assert not torch.equal(ref.weight.detach()[absent], before[absent])  # without Lazy they would move


def weight(contiguous: bool, seed=0):
    """A 4×3 weight: contiguous (the fused CPU loop takes it) or a transposed view (the eager ops do)."""
    torch.manual_seed(seed)
    data = torch.randn(4, 3) if contiguous else torch.randn(3, 4).t()
    return torch.nn.Parameter(data)


@pytest.mark.parametrize("contiguous", [True, False], ids=["fused", "eager"])
def test_layer_adaptation_over_sgd_is_the_normalised_gradient_step(contiguous):
    # SGD proposes Δ = −γg, so the trust ratio gives θ − γ‖θ‖ g/‖g‖ (a closed form, step after step)
    w = weight(contiguous)
    opt = LayerAdaptation(torch.optim.SGD([w], lr=0.05))
    assert kernels.fusable(w) is contiguous
    g = torch.Generator().manual_seed(3)
    for _ in range(4):
        before = w.detach().clone()
        w.grad = torch.randn(4, 3, generator=g)
        opt.step()
        expected = before - 0.05 * before.norm() * w.grad / w.grad.norm()
        torch.testing.assert_close(w.detach(), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("change", ["in place", "load_state_dict", "new tensor"])
def test_layer_adaptation_sees_weights_changed_between_steps(change):
    layer = torch.nn.Linear(3, 4, bias=False)
    w = layer.weight
    opt = LayerAdaptation(torch.optim.SGD([w], lr=0.05))
    w.grad = torch.ones(4, 3)
    opt.step()
    if change == "in place":
        with torch.no_grad():
            w.mul_(2.0)
    elif change == "load_state_dict":
        layer.load_state_dict({"weight": torch.full((4, 3), 0.5)})
    else:
        w.data = torch.full((4, 3), -1.0)
    before = w.detach().clone()
    w.grad = torch.arange(12.0).reshape(4, 3)
    opt.step()
    torch.testing.assert_close(w.detach(), before - 0.05 * before.norm() * w.grad / w.grad.norm())


def test_layer_adaptation_tells_autograd_the_weights_changed():
    # as PyTorch's own optimizers: a graph that saved the weights before the step refuses to run backward after it
    # (the base is fused SGD, whose step leaves the version counter as it is; the fused loop writes through numpy)
    w = weight(True)
    opt = LayerAdaptation(torch.optim.SGD([w], lr=0.05, fused=True))
    w.grad = torch.ones(4, 3)
    saved = (w * w).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.backward()


def test_layer_adaptation_follows_weights_moved_to_double():
    layer = torch.nn.Linear(3, 4, bias=False)
    opt = LayerAdaptation(torch.optim.SGD([layer.weight], lr=0.05))
    layer.weight.grad = torch.ones(4, 3)
    opt.step()
    layer.double()  # a new float64 tensor for the same parameter
    before = layer.weight.detach().clone()
    layer.weight.grad = torch.arange(12.0, dtype=torch.float64).reshape(4, 3)
    opt.step()
    g = layer.weight.grad
    torch.testing.assert_close(layer.weight.detach(), before - 0.05 * before.norm() * g / g.norm(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("contiguous", [True, False], ids=["fused", "eager"])
def test_lazy_holds_exactly_the_all_zero_rows(contiguous):
    g = torch.randn(7, 5)
    g[[1, 4, 6]] = 0.0
    g[4, 2] = -0.0  # still zero
    g[2] = 0.0
    g[2, 4] = 1e-42  # a denormal is not zero
    g[3] = 0.0
    g[3, 0] = float("nan")  # nor is NaN
    held = np.flatnonzero(~(g.numpy() != 0).any(axis=1))
    assert held.tolist() == [1, 4, 6]
    w = torch.nn.Parameter(torch.randn(7, 5))
    opt = Lazy(torch.optim.SGD([w], lr=0.1, weight_decay=0.5), {w: "embed"})  # the decay moves every row
    before = w.detach().clone()
    w.grad = g.clone() if contiguous else g.t().contiguous().t()
    assert kernels.fusable(w.grad) is contiguous
    opt.step()
    assert torch.equal(w.detach()[held], before[held])
    moved = np.setdiff1d(np.arange(7), held)
    assert (w.detach()[moved] != before[moved]).all()


def test_lazy_holds_a_scalar_with_no_gradient():
    s = torch.nn.Parameter(torch.tensor(2.0))
    opt = Lazy(torch.optim.Adam([s], lr=0.1), {s: "embed"})
    s.grad = torch.tensor(1.0)
    opt.step()  # Adam's moments now move it even with a zero gradient
    after = s.item()
    s.grad = torch.tensor(0.0)
    opt.step()
    assert s.item() == after != 2.0


@pytest.mark.parametrize("contiguous", [True, False], ids=["fused", "eager"])
def test_lazy_holds_the_zero_rows_on_either_path(contiguous):
    w = torch.nn.Parameter(torch.randn(6, 3) if contiguous else torch.randn(3, 6).t())
    opt = Lazy(torch.optim.SGD([w], lr=0.1), {w: "embed"})
    before = w.detach().clone()
    grad = torch.randn(6, 3)
    grad[[0, 3]] = 0.0
    w.grad = grad if contiguous else grad.t().contiguous().t()
    assert kernels.fusable(w.grad) is contiguous
    opt.step()
    moved = before - 0.1 * grad
    moved[[0, 3]] = before[[0, 3]]
    torch.testing.assert_close(w.detach(), moved)


def test_lazy_follows_weights_moved_to_double():
    layer = torch.nn.Embedding(4, 3)
    opt = Lazy(torch.optim.SGD(layer.parameters(), lr=0.1), {layer.weight: "embed"})
    layer.weight.grad = torch.ones(4, 3)
    opt.step()
    layer.double()  # a new float64 tensor for the same parameter
    before = layer.weight.detach().clone()
    grad = torch.ones(4, 3, dtype=torch.float64)
    grad[2] = 0.0
    layer.weight.grad = grad
    opt.step()
    expected = before - 0.1 * grad
    torch.testing.assert_close(layer.weight.detach(), expected, rtol=0, atol=1e-15)
    assert layer.weight.dtype == torch.float64


def test_lazy_and_layer_adaptation_follow_a_weight_reshaped_in_its_storage():
    w = torch.nn.Parameter(torch.randn(4, 6))
    lazy = Lazy(torch.optim.SGD([w], lr=0.1), {w: "embed"})
    w.grad = torch.ones(4, 6)
    lazy.step()
    w.data = w.data.view(6, 4)  # the same storage, other rows
    before = w.detach().clone()
    grad = torch.ones(6, 4)
    grad[5] = 0.0
    w.grad = grad
    lazy.step()
    torch.testing.assert_close(w.detach(), before - 0.1 * grad, rtol=0, atol=0)

    v = torch.nn.Parameter(torch.randn(12))
    adapted = LayerAdaptation(torch.optim.SGD([v], lr=0.05))
    v.grad = torch.ones(12)
    adapted.step()
    v.data = v.data[:6]  # the same storage, fewer weights
    before = v.detach().clone()
    v.grad = torch.arange(6.0)
    adapted.step()
    g = v.grad
    torch.testing.assert_close(v.detach(), before - 0.05 * before.norm() * g / g.norm())


@pytest.mark.parametrize("contiguous", [True, False], ids=["fused", "eager"])
def test_lazy_around_layer_adaptation_feeds_it_the_held_rows(contiguous):
    # θ' = θ − γ‖θ‖u/‖u‖ with u = g + λθ (SGD with weight decay, rescaled), absent rows kept
    w = torch.nn.Parameter(torch.arange(12.0).view(4, 3) + 1)
    opt = Lazy(LayerAdaptation(torch.optim.SGD([w], lr=0.1, weight_decay=0.5)), {w: "embed"})
    theta = w.detach().clone()
    for k in range(3):
        g = torch.ones(4, 3) * (k + 1)
        g[k] = 0.0
        w.grad = g if contiguous else g.t().contiguous().t()
        opt.step()
        u = g + 0.5 * theta
        moved = theta - 0.1 * theta.norm() * u / u.norm()
        moved[k] = theta[k]
        theta = moved
        torch.testing.assert_close(w.detach(), theta)


def test_lazy_takes_a_weight_whose_rows_are_not_one_view():
    w = torch.nn.Parameter(torch.randn(4, 3, 2).permute(1, 0, 2))  # no 2-D view of it exists
    opt = Lazy(torch.optim.SGD([w], lr=0.1), {w: "embed"})
    before = w.detach().clone()
    for absent in ([], [1]):
        grad = torch.ones(3, 4, 2)
        grad[absent] = 0.0
        w.grad = grad
        opt.step()
        expected = before - 0.1 * grad
        expected[absent] = before[absent]
        torch.testing.assert_close(w.detach(), expected)
        before = expected


def test_lazy_refuses_a_gradient_of_another_shape_without_harm():
    w = torch.nn.Parameter(torch.randn(1000, 64))
    opt = Lazy(torch.optim.SGD([w], lr=0.1), {w: "embed"})
    w.grad = torch.zeros(1000, 64)
    opt.step()
    w.data = w.data[:10]  # the old gradient is left over
    with pytest.raises(RuntimeError):
        opt.step()


@pytest.mark.parametrize("contiguous", [True, False], ids=["fused", "eager"])
def test_lazy_holds_more_rows_than_ever_before(contiguous):
    w = torch.nn.Parameter(torch.randn(6, 5, dtype=torch.float64))
    opt = Lazy(torch.optim.SGD([w], lr=0.1, weight_decay=0.5), {w: "embed"})
    theta = w.detach().clone()
    for absent in ([], [4], [0, 2, 3, 5], [1], list(range(6))):
        g = torch.ones(6, 5, dtype=torch.float64)
        g[absent] = 0.0
        w.grad = g if contiguous else g.t().contiguous().t()
        opt.step()
        moved = theta - 0.1 * (g + 0.5 * theta)
        moved[absent] = theta[absent]
        theta = moved
        torch.testing.assert_close(w.detach(), theta, rtol=0, atol=1e-15)
