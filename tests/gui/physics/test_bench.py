"""The Physics bench: live solving, closed-form overlay, errors, 3-D view, exports."""

import numpy as np
import pytest

from gui.benches.physics import PhysicsBench


@pytest.fixture
def physics(qtbot, tmp_path):
    b = PhysicsBench(tmp_path)
    qtbot.addWidget(b)
    b.resize(1300, 800)
    b.show()
    qtbot.waitUntil(lambda: b.rope.solution is not None and b.ellipses.solution is not None, timeout=20000)
    yield b
    b.shutdown()


def test_rope_default_is_v15_with_troposkein_overlay(physics):
    p = physics.rope
    assert "max radius" in p.summary.text() and "troposkein" in p.summary.text()
    x, y = p.numeric.getData()
    ex, ey = p.exact.getData()
    assert len(x) == 401 and np.abs(y - ey).max() < 1e-3  # the closed form lies on the numeric curve
    assert abs(y.max() - 1.0) < 1e-4


def test_moving_sliders_resolves_latest_wins(qtbot, physics):
    p = physics.rope
    for omega in (2.0, 3.0, 4.0, 5.0):  # a burst: only the last one must show
        p.form.set_values({"omega": omega, "length": 3.0, "span": 2.0})
    qtbot.waitUntil(lambda: not p.runner.busy and p.solution is not None
                    and p.solution.params.omega == 5.0, timeout=20000)
    assert p.solution.params.length == 3.0 and "max radius" in p.summary.text()


def test_rope_without_solution_shows_why_and_clears(qtbot, physics):
    p = physics.rope
    p.form.set_values({"length": 1.0, "span": 2.0})
    qtbot.waitUntil(lambda: p.messages.level == "error", timeout=20000)
    assert "cannot reach" in p.messages.message()
    assert len(p.numeric.getData()[0] if p.numeric.getData()[0] is not None else []) == 0
    p.form.set_values({"length": 3.0})
    qtbot.waitUntil(lambda: p.messages.level == "" and p.solution is not None, timeout=20000)


def test_catenary_overlay_when_not_spinning(qtbot, physics):
    p = physics.rope
    p.form.set_values({"omega": 0.0, "gravity": 9.81, "axis": "across", "length": 2.0, "span": 1.0})
    qtbot.waitUntil(lambda: "catenary" in p.summary.text(), timeout=20000)
    (_, y), (_, ey) = p.numeric.getData(), p.exact.getData()
    assert np.abs(y - ey).max() < 1e-6


def test_ellipses_panel_and_3d_view(qtbot, physics):
    e = physics.ellipses
    physics.tabs.setCurrentWidget(e)
    assert "1.569757" in e.summary.text() and "glues: yes" in e.summary.text()
    # the least margin is −9e-34 in floating point: it reads 0, beside "glues: yes"
    assert e.solution.min_margin != 0 and "min margin  0\n" in e.summary.text()
    before = e.solid.projected("edge").copy()
    e.solid.turn(0.5, 0.2)
    after = e.solid.projected("edge")
    finite = np.isfinite(before[:, 0])
    assert not np.allclose(before[finite], after[finite])
    e.form.set_values({"a": 1.0, "b": 2.0})
    qtbot.waitUntil(lambda: e.messages.level == "error", timeout=20000)
    assert "a ≥ b" in e.messages.message()


def test_exports_write_files(qtbot, physics, tmp_path, monkeypatch):
    import gui.widgets.solver_panel as ph

    targets = iter([tmp_path / f"out.{s}" for s in ("svg", "pdf", "stl", "obj", "csv", "csv", "png")])
    monkeypatch.setattr(ph, "_save_dialog", lambda *a: next(targets))
    for action in physics.ellipses.exports.menu().actions():
        action.trigger()
    for action in physics.rope.exports.menu().actions():
        action.trigger()
    for s in ("svg", "pdf", "stl", "obj", "csv", "png"):
        assert (tmp_path / f"out.{s}").stat().st_size > 100, s


def test_a_failed_solve_says_what_to_change_and_a_new_solve_clears_it(qtbot, physics):
    p = physics.rope
    p.form.set_values({"length": 3.69, "span": 0.5, "omega": 1.0, "gravity": 9.81, "axis": "along"})
    qtbot.waitUntil(lambda: physics.messages.level == "error", timeout=20000)
    said = physics.messages.message()
    assert "Spin faster" in said and "mesh nodes" not in said
    assert p.summary.text().startswith("No solution")
    assert len(p.numeric.getData()[0] if p.numeric.getData()[0] is not None else []) == 0
    for plot in (p.shape, p.tension):  # empty plots: a hint, and no range to misread
        assert plot.getAxis("left").blank and plot.getAxis("bottom").blank
    assert all(h.empty and "no solution" in h.text for h in p.hints)
    p.form.set_values({"omega": 10.0})  # a new solve starts: the old error goes at once
    assert physics.messages.level == "" and p.summary.text().startswith("solving…")
    qtbot.waitUntil(lambda: p.solution is not None and p.solution.params.omega == 10.0, timeout=20000)
    assert "max radius" in p.summary.text() and physics.messages.level == ""
    assert not any(h.empty for h in p.hints) and not p.tension.getAxis("left").blank


def test_each_tab_shows_its_own_message(qtbot, physics):
    p, e = physics.rope, physics.ellipses
    p.form.set_values({"length": 1.0, "span": 2.0})
    qtbot.waitUntil(lambda: physics.messages.level == "error", timeout=20000)
    physics.tabs.setCurrentWidget(e)  # the ellipses solve fine: the rope's error is not theirs
    assert physics.messages.level == ""
    physics.tabs.setCurrentWidget(p)
    assert physics.messages.level == "error" and "cannot reach" in physics.messages.message()


def test_net_scale_fits_a4_or_follows_mm_per_unit(qtbot, physics, tmp_path, monkeypatch):
    import re

    import gui.widgets.solver_panel as ph
    from engine.physics import ellipses

    e = physics.ellipses
    physics.tabs.setCurrentWidget(e)
    assert not e.form.editors["unit_mm"].isEnabled()  # fit-a4 by default: mm per unit does not count
    unit = ellipses.fit_a4_unit(2.0, 1.0)
    assert f"{unit:g} mm per unit" in e.summary.text()
    monkeypatch.setattr(ph, "_save_dialog", lambda *a: tmp_path / "a4.svg")
    [svg_action] = [a for a in e.exports.menu().actions() if "SVG" in a.text()]
    svg_action.trigger()

    def width_mm(path):  # the first sheet's outline, across
        xs = [float(v.split(",")[0]) for v in path.read_text().split('points="')[1].split('"')[0].split()]
        return max(xs) - min(xs)

    text = (tmp_path / "a4.svg").read_text()
    assert re.search(r'width="210.00mm" height="297.00mm"', text) and width_mm(tmp_path / "a4.svg") > 170
    e.form.set_values({"scale": "mm-per-unit", "unit_mm": 10.0})
    assert e.form.editors["unit_mm"].isEnabled()
    qtbot.waitUntil(lambda: "10 mm per unit" in e.summary.text(), timeout=20000)
    monkeypatch.setattr(ph, "_save_dialog", lambda *a: tmp_path / "ten.svg")
    svg_action.trigger()
    assert abs(width_mm(tmp_path / "ten.svg") - 40.0) < 1e-3
