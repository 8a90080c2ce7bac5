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
    assert "1.569757" in e.summary.text() and "glues: yes" in e.summary.text()
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
