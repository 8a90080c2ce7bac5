"""The piecewise-linear learning rate (SEEDS.md §14.2 item 3, V24)."""

import pytest
import torch

from engine.optim.schedule import Schedule, multiplier, parse
from engine.params import ParamError


@pytest.mark.parametrize("step, expected", [(0, 0.0), (500, 0.5), (1000, 1.0), (1500, 0.55), (2000, 0.1),
                                            (5000, 0.1)])
def test_v24_values(step, expected):
    assert multiplier(step, parse("1000:1,2000:0.1")) == pytest.approx(expected, abs=1e-12)


def test_zero_key_replaces_the_start_and_empty_is_constant():
    assert multiplier(0, {0: 0.5, 10: 1.0}) == 0.5 and multiplier(5, {0: 0.5, 10: 1.0}) == 0.75
    assert multiplier(123, {}) == 1.0 and parse("") == {}
    assert multiplier(250, {1000: 1.0}) == 0.25  # a warm-up


@pytest.mark.parametrize("text", ["1000", "a:1", "10:x", "-5:1", "10:1,10:2", "10:nan", "1000:", "10:-1", "1e3:1"])
def test_bad_schedules_are_refused_in_one_line(text):
    with pytest.raises(ParamError) as err:
        parse(text)
    assert "\n" not in str(err.value)


def test_each_update_moves_by_the_scheduled_rate():
    w = torch.zeros(3, requires_grad=True)
    c = torch.tensor([1.0, -2.0, 0.5])
    opt = Schedule(torch.optim.SGD([w], lr=0.1), {4: 1.0, 8: 0.0})
    moves = []
    for _ in range(10):
        before = w.detach().clone()
        opt.zero_grad()
        (c * w).sum().backward()  # constant gradient c
        opt.step()
        moves.append((before - w.detach()) / (0.1 * c))
    rho = [0.0, 0.25, 0.5, 0.75, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    for m, r in zip(moves, rho):
        torch.testing.assert_close(m, torch.full((3,), r), rtol=0, atol=1e-6)
    assert opt.param_groups[0]["lr"] == 0.1  # the nominal rate is left for the trainer
