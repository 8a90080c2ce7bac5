"""The rope solver against the closed forms of SEEDS.md §17 (V14, V15, small amplitude)."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from engine.physics import rope
from engine.physics.rope import RopeError, RopeParams


def test_v15_troposkein_closed_forms():
    h, half = rope.troposkein(omega=1.0, radius=1.0, axial_tension=1.0)
    assert h == pytest.approx(1.484412, abs=1e-6) and half == pytest.approx(1.845171, abs=1e-6)


@pytest.mark.parametrize("omega, R, H", [(1.0, 1.0, 1.0), (2.0, 0.5, 3.0), (5.0, 0.3, 0.7), (0.8, 2.0, 0.4)])
def test_troposkein_closed_forms_match_direct_quadrature(omega, R, H):
    """h = ∫₀ᴿ H dr/√((C − ar²)² − H²) and L/2 = ∫₀ᴿ (C − ar²) dr/√(…), with C = H + aR²."""
    a = omega ** 2 / 2
    C = H + a * R * R
    root = lambda r: math.sqrt((C - a * r * r) ** 2 - H ** 2)  # noqa: E731
    # r = R sin θ takes away the square-root singularity at r = R
    h = quad(lambda t: H * R * math.cos(t) / root(R * math.sin(t)), 0, math.pi / 2)[0]
    half = quad(lambda t: (C - a * (R * math.sin(t)) ** 2) * R * math.cos(t) / root(R * math.sin(t)),
                0, math.pi / 2)[0]
    got_h, got_half = rope.troposkein(omega, R, H)
    assert got_h == pytest.approx(h, rel=1e-8) and got_half == pytest.approx(half, rel=1e-8)


@pytest.mark.parametrize("omega, R, H", [(1.0, 1.0, 1.0), (2.0, 0.5, 3.0), (3.0, 0.8, 2.0)])
def test_numeric_troposkein_recovers_radius_and_axial_tension(omega, R, H):
    h, half = rope.troposkein(omega, R, H)
    sol = rope.solve(RopeParams(length=2 * half, span=2 * h, omega=omega, gravity=0.0))
    assert sol.max_radius == pytest.approx(R, rel=1e-5)
    assert sol.axial_tension == pytest.approx(H, rel=1e-5)
    assert sol.constant == pytest.approx(H + omega ** 2 / 2 * R * R, rel=1e-5)  # T at the ends: C
    assert np.all(sol.tension > 0)


def test_v15_solution_and_its_tension_law():
    sol = rope.solve(RopeParams(length=2 * 1.845171, span=2 * 1.484412, omega=1.0, gravity=0.0))
    assert sol.max_radius == pytest.approx(1.0, abs=1e-5)
    # T = C − ½ω²r² along the whole rope, C = 1.5
    np.testing.assert_allclose(sol.tension, 1.5 - 0.5 * sol.r ** 2, atol=2e-6)
    assert sol.tension.min() == pytest.approx(1.0, abs=1e-5)


def test_small_amplitude_limit_is_the_sine_mode():
    omega, H, R = 2.0, 1.0, 1e-3
    h, half = rope.troposkein(omega, R, H)
    assert h == pytest.approx(rope.small_amplitude_half_height(omega, H), rel=1e-5)
    sol = rope.solve(RopeParams(length=2 * half, span=2 * h, omega=omega, gravity=0.0))
    sine = R * np.sin(np.pi * sol.z / (2 * h))  # x ≈ R cos(ω y/√H) about the middle
    np.testing.assert_allclose(sol.r, sine, atol=2e-3 * R)


@pytest.mark.parametrize("ratio", [1.02, 1.243, 1.6, 2.5, 4.0])
@pytest.mark.parametrize("omega", [0.5, 1.0, 1.5, 3.0, 6.0, 10.0])
def test_closed_form_overlay_is_the_numeric_troposkein(omega, ratio):
    """Over a grid of ω and L/D the dashed curve lies on the numeric one (the old quadrature was a
    flat line at r = R for most ω), and its R, H are the numeric solution's."""
    p = RopeParams(length=2.0 * ratio, span=2.0, omega=omega, density=1.7)
    sol = rope.solve(p)
    name, r = rope.closed_form(p, sol.z)
    assert name == "troposkein"
    np.testing.assert_allclose(r, sol.r, atol=1e-7 * p.length)
    R, H = rope.troposkein_for(p.length, p.span, omega, p.density)
    assert R == pytest.approx(sol.max_radius, rel=1e-7) and H == pytest.approx(sol.axial_tension, rel=1e-6)


@pytest.mark.parametrize("omega, R, H, density", [(1.0, 1.0, 1.0, 1.0), (3.0, 0.8, 2.0, 1.0), (10.0, 0.2, 50.0, 2.0)])
def test_troposkein_curve_inverts_the_defining_integral(omega, R, H, density):
    """z counted from an end is ∫₀ʳ H dr'/√((C − ar'²)² − H²); the curve returns r there."""
    a = density * omega ** 2 / 2
    C = H + a * R * R
    h, _ = rope.troposkein(omega, R, H, density)
    for r in (0.05 * R, 0.4 * R, 0.8 * R, 0.99 * R):
        from_end = quad(lambda x: H / math.sqrt((C - a * x * x) ** 2 - H ** 2), 0, r, epsabs=1e-13)[0]
        got = rope.troposkein_curve(omega, R, H, np.array([from_end - h, h - from_end]), density)
        np.testing.assert_allclose(got, [r, r], rtol=1e-8)
    ends = rope.troposkein_curve(omega, R, H, np.array([-h, 0.0, h, 1.5 * h]), density)
    np.testing.assert_allclose(ends, [0, R, 0, 0], atol=1e-12)


def test_json_carries_the_closed_form():
    sol = rope.solve(RopeParams())
    d = sol.to_dict()
    exact = np.array(d["closed_form"]["points"])
    assert d["closed_form"]["name"] == "troposkein" and exact.shape == (RopeParams().points, 2)
    np.testing.assert_array_equal(exact[:, 0], np.array(d["curve"])[:, 0])
    np.testing.assert_allclose(exact[:, 1], np.array(d["curve"])[:, 1], atol=1e-8)
    sag = rope.solve(RopeParams(length=2.0, span=1.0, omega=0.0, gravity=9.81, axis="across")).to_dict()
    assert sag["closed_form"]["name"] == "catenary"
    assert rope.solve(RopeParams(length=2.0, span=1.0, omega=10.0, gravity=9.81)).to_dict()["closed_form"] is None


def test_v14_catenary_limit():
    L, D, g = 2.0, 1.0, 9.81
    sol = rope.solve(RopeParams(length=L, span=D, omega=0.0, gravity=g, axis="across"))
    a = __import__("scipy.optimize", fromlist=["brentq"]).brentq(
        lambda a: 2 * a * math.sinh(D / (2 * a)) - L, 1e-3, 100)
    # y = a cosh((z − D/2)/a) measured from the directrix; the rope sags r below the ends
    y = a * np.cosh((sol.z - D / 2) / a)
    np.testing.assert_allclose(sol.r, y[0] - y, atol=1e-7)
    np.testing.assert_allclose(sol.tension, g * (y), rtol=1e-6)  # T = λ g y > 0
    assert sol.tension.min() > 0


def test_across_gravity_is_the_shifted_g0_problem():
    """The post's reduction: gravity across adds to the centrifugal pull like an axis moved by g/ω²."""
    omega, g = 6.0, 9.81
    sol = rope.solve(RopeParams(length=2.0, span=1.0, omega=omega, gravity=g, axis="across"))
    shift = g / omega ** 2
    const = sol.tension + 0.5 * omega ** 2 * (sol.r + shift) ** 2
    np.testing.assert_allclose(const, const[0], rtol=1e-6)


def test_along_gravity_tension_law_and_positivity():
    omega, g = 10.0, 9.81
    sol = rope.solve(RopeParams(length=2.0, span=1.0, omega=omega, gravity=g, axis="along"))
    law = sol.constant - 0.5 * omega ** 2 * sol.r ** 2 + g * sol.z
    np.testing.assert_allclose(sol.tension, law, rtol=1e-6)
    assert sol.tension[-1] > sol.tension[0]  # the upper end also carries the rope's weight
    assert np.all(sol.tension > 0)


def test_curve_runs_end_to_end_with_the_length_asked():
    sol = rope.solve(RopeParams(length=3.0, span=2.0, omega=3.0))
    d = sol.to_dict()
    curve = np.array(d["curve"])
    assert curve[0].tolist() == pytest.approx([0, 0], abs=1e-9)
    assert curve[-1].tolist() == pytest.approx([2.0, 0], abs=1e-7)
    assert np.hypot(*np.diff(curve, axis=0).T).sum() == pytest.approx(3.0, rel=1e-4)
    for key in ("max_radius", "end_tension", "min_tension", "curve", "tension_constant", "axial_tension"):
        assert key in d


@pytest.mark.parametrize("kwargs, message", [
    (dict(length=1.0, span=2.0), "cannot reach"),
    (dict(length=2.0, span=2.0), "exactly as long"),
    (dict(length=-1.0), "positive"),
    (dict(omega=0.0, gravity=0.0), "no definite shape"),
    (dict(omega=0.0, gravity=9.8, axis="along"), "no definite shape"),
])
def test_impossible_inputs_say_why(kwargs, message):
    with pytest.raises(RopeError, match=message):
        rope.solve(RopeParams(**{**dict(length=3.0, span=2.0, omega=2.0), **kwargs}))


@pytest.mark.parametrize("omega, gravity", [(1.0, 9.81), (1.0, 20.0)])
def test_no_taut_shape_says_why_and_what_to_change(omega, gravity):
    """Gravity along the axis against a slow spin: the rope would go slack (SEEDS.md §17.4's T > 0), and
    the message is in the user's words, not the collocation solver's."""
    with pytest.raises(RopeError) as info:
        rope.solve(RopeParams(length=3.69, span=0.5, omega=omega, gravity=gravity, axis="along"))
    text = str(info.value)
    assert "mesh nodes" not in text and "Jacobian" not in text and "\n" not in text
    assert "slack" in text and "larger ω" in text and f"g/ω² = {gravity / omega ** 2:.3g} m" in text
    assert "L = 3.69 m, D = 0.5 m" in text


def test_ends_at_one_point_are_refused_at_once():
    with pytest.raises(RopeError, match="D > 0"):
        rope.solve(RopeParams(length=3.0, span=0.0, omega=2.0))


def test_a_cancelled_solve_stops_inside_the_solver():
    from engine.control import Cancelled, RunControl
    from engine.tasks import TaskContext

    calls = []
    control = RunControl()

    class Counting(TaskContext):
        def checkpoint(self):
            calls.append(1)
            if len(calls) == 3:
                control.cancel()  # a newer request arrives while solve_bvp is at work
            super().checkpoint()

    with pytest.raises(Cancelled):
        rope.solve(RopeParams(), Counting(control))
    assert len(calls) == 3
