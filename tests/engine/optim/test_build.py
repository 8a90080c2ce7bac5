"""The shared optimizer fields reach every training job, and build() stacks what they ask for."""

import argparse
import dataclasses

import pytest
import torch

from engine import params as prm
from engine.optim.accumulate import Accumulate
from engine.optim.averaging import EMA, Lookahead
from engine.optim.build import build, named
from engine.optim.schedule import Schedule
from engine.optim.stack import described, lazy_holds_nothing
from engine.optim.updates import LayerAdaptation, Lazy, WeightDecay
from engine.optim.wrapper import layers
from engine.params import ParamError
from engine.registry import training_jobs
from engine.train.gan import GANParams, GANTask
from engine.train.params import TrainBase
from engine.train.vae import VAEParams

FLAGS = ["--optimizer", "--accumulate", "--schedule", "--weight-decay", "--layer-adaptation", "--lookahead",
         "--lazy", "--ema"]


@pytest.mark.parametrize("name, job", sorted(training_jobs().items()))
def test_every_training_job_has_the_optimizer_flags(name, job):
    parser = argparse.ArgumentParser()
    prm.add_arguments(parser, job.params)
    flags = {a for action in parser._actions for a in action.option_strings}
    assert set(FLAGS) <= flags, name
    args = parser.parse_args(["--accumulate", "4", "--schedule", "1000:1", "--lookahead", "--ema", "0.99"]
                             + (["--data", "digits"] if "--data" in flags else []))
    p = prm.from_args(job.params, args)
    assert (p.accumulate, p.schedule, p.lookahead, p.ema) == (4, "1000:1", True, 0.99)


def test_models_keep_their_posts_base():
    assert VAEParams().optimizer == "rmsprop" and TrainBase().optimizer == "adam"
    task = GANTask(GANParams(), (2,), False, torch.device("cpu"))
    assert task.opt_g.param_groups[0]["betas"] == (0.5, 0.999)
    sgd = GANTask(GANParams(optimizer="sgd"), (2,), False, torch.device("cpu"))
    assert isinstance(sgd.opt_d, torch.optim.SGD) and sgd.opt_d.param_groups[0]["momentum"] == 0.9


def test_everything_on_stacks_in_the_documented_order():
    m = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 2))
    p = dataclasses.replace(TrainBase(), optimizer="rmsprop", accumulate=2, schedule="10:1", weight_decay=0.1,
                            layer_adaptation=True, lookahead=True, lazy=True, ema=0.99)
    opt = build(p, named(net=m))
    kinds = [type(layer) for layer in layers(opt)]
    assert kinds == [Accumulate, EMA, Lookahead, Schedule, LayerAdaptation, Lazy, WeightDecay, torch.optim.RMSprop]
    rms = layers(opt)[-1].param_groups[0]
    assert (rms["alpha"], rms["eps"]) == (0.9, 1e-7)  # Keras' constants
    decay = layers(opt)[-2]
    assert {id(q) for q in decay.chosen} == {id(m[0].weight), id(m[1].weight)}  # the bias is not decayed
    assert [id(q) for q in layers(opt)[-3].chosen] == [id(m[0].weight)]  # lazy: the embedding only
    assert described(opt) == ("accumulate 2 · EMA 0.99 · Lookahead k 5 α 0.5 · schedule 10:1 · layer adaptation · "
                              "lazy rows of 1 table · weight decay 0.1 · RMSprop lr 0.001")


def test_lazy_on_a_model_without_tables_is_told():
    lazy = dataclasses.replace(TrainBase(), lazy=True, ema=0.99)
    with_table = build(lazy, named(net=torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 2))))
    without = build(lazy, named(net=torch.nn.Linear(4, 2)))
    plain = build(TrainBase(), named(net=torch.nn.Linear(4, 2)))
    assert lazy_holds_nothing([without]) and lazy_holds_nothing([without, without])
    assert not lazy_holds_nothing([with_table]) and not lazy_holds_nothing([without, with_table])
    assert not lazy_holds_nothing([plain])  # not asked for


def test_adamw_decays_in_its_own_group_without_biases():
    m = torch.nn.Linear(3, 2)
    opt = build(dataclasses.replace(TrainBase(), optimizer="adamw"), m.named_parameters())
    assert isinstance(opt, torch.optim.AdamW)
    assert [(len(g["params"]), g["weight_decay"]) for g in opt.param_groups] == [(1, 0.01), (1, 0.0)]


def test_adam_with_weight_decay_steps_as_the_decoupled_rule():
    # θ₁ = θ₀ − γλθ₀ − γ g/(|g| + ε) on the weight (Adam's first step is γ·sign(g) up to ε); the bias is not decayed
    m = torch.nn.Linear(3, 2)
    w0, b0 = m.weight.detach().clone(), m.bias.detach().clone()
    opt = build(dataclasses.replace(TrainBase(), optimizer="adam", lr=0.1, weight_decay=0.05), m)
    m.weight.grad, m.bias.grad = torch.full((2, 3), 0.3), torch.full((2,), -0.2)
    opt.step()
    torch.testing.assert_close(m.weight.detach(), w0 - 0.1 * 0.05 * w0 - 0.1 * 0.3 / (0.3 + 1e-8))
    torch.testing.assert_close(m.bias.detach(), b0 + 0.1 * 0.2 / (0.2 + 1e-8))


def test_a_bad_schedule_is_one_line_before_any_job_starts():
    with pytest.raises(ParamError, match=r"^LR schedule \(--schedule\): 'warmup' is not 'update:multiplier'"):
        prm.check(TrainBase(schedule="warmup"))  # what forms, Compare and verbs call before starting
    with pytest.raises(ParamError, match="update:multiplier"):
        build(dataclasses.replace(TrainBase(), schedule="warmup"), torch.nn.Linear(2, 2).named_parameters())


def test_bases_use_a_fused_kernel_where_pytorch_has_one_on_the_cpu_else_the_multi_tensor_one():
    fused_on_cpu = tuple(int(v) for v in torch.__version__.split("+")[0].split(".")[:2]) >= (2, 4)
    for name in ("adam", "adamw", "rmsprop", "sgd"):
        group = build(dataclasses.replace(TrainBase(), optimizer=name), torch.nn.Linear(2, 2)).param_groups[0]
        fused = fused_on_cpu and name != "rmsprop"  # PyTorch has no fused RMSprop
        assert bool(group.get("fused")) is fused and bool(group.get("foreach")) is not fused, name


def test_the_fused_adam_step_is_adams_rule():
    # first step: m̂ = g, v̂ = g², so θ₁ = θ₀ − γ g/(|g| + ε); second from the recurrences by hand
    w = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0]))
    opt = build(dataclasses.replace(TrainBase(), optimizer="adam", lr=0.1), [("w", w)])
    g1, g2 = torch.tensor([0.2, -0.4, 1e-3]), torch.tensor([-0.1, 0.3, 0.0])
    w.grad = g1
    opt.step()
    torch.testing.assert_close(w.detach(), torch.tensor([0.5, -1.0, 2.0]) - 0.1 * g1 / (g1.abs() + 1e-8))
    before = w.detach().clone()
    w.grad = g2
    opt.step()
    m = (0.9 * 0.1 * g1 + 0.1 * g2) / (1 - 0.9 ** 2)
    v = (0.999 * 0.001 * g1 ** 2 + 0.001 * g2 ** 2) / (1 - 0.999 ** 2)
    torch.testing.assert_close(w.detach(), before - 0.1 * m / (v.sqrt() + 1e-8))
