"""Angles between random vectors against SEEDS.md §15 (V3–V5), a series for the variance
and scipy's Beta law for cos θ."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad
from scipy.special import gammaln

from engine.control import Cancelled, RunControl
from engine.maths import angles as A
from engine.tasks import TaskContext


def series_variance(n: float) -> float:
    """Var θ = E[arcsin² η] = ½ Σ_k (k−1)!/(k·(n/2)_k), from arcsin²'s Taylor series and the
    Beta moments of η² (independent of the quadrature in the module)."""
    total, k = 0.0, 1
    while True:
        term = math.exp(gammaln(k) - math.log(k) - (gammaln(n / 2 + k) - gammaln(n / 2)))
        total += term
        if term < 1e-18 * total:
            return 0.5 * total
        k += 1


def test_v3_v4_closed_forms():
    assert A.variance_exact(3) == pytest.approx(math.pi ** 2 / 4 - 2, abs=1e-12)
    assert A.variance_exact(2) == pytest.approx(math.pi ** 2 / 12, abs=1e-12)


@pytest.mark.parametrize("n, var", [(3, "0.467401"), (10, "0.110661"), (20, "0.0525832"), (50, "0.0204053"),
                                    (100, "0.0101007"), (200, "0.00502508"), (1000, "0.001001")])
def test_v5_author_table(n, var):
    decimals = len(var.split(".")[1])  # the table is rounded to its last printed digit
    assert round(A.variance_exact(n), decimals) == pytest.approx(float(var), abs=1e-15)


@pytest.mark.parametrize("n", [6, 50, 1000, 10_000, 100_000])
def test_variance_matches_series(n):
    assert A.variance_exact(n) == pytest.approx(series_variance(n), rel=1e-9)


def test_approximations_and_table():
    assert A.variance_laplace(20) == pytest.approx(1 / 18)
    assert A.variance_n_minus_1(20) == pytest.approx(1 / 19)
    rows = A.variance_table((3, 1000))
    assert rows[0]["variance_exact"] == pytest.approx(math.pi ** 2 / 4 - 2)
    # the remark of §15: 1/(n − 1) is closer than the post's 1/(n − 2)
    for n in (10, 20, 100, 1000):
        exact = A.variance_exact(n)
        assert abs(A.variance_n_minus_1(n) - exact) < abs(A.variance_laplace(n) - exact)


@pytest.mark.parametrize("n", [2, 3, 4, 10, 1000, 10_000])
def test_pdfs_are_normalised_with_mean_pi_over_2(n):
    f = lambda t: float(A.angle_pdf(t, n))  # noqa: E731
    width = math.pi / 2 if n < 50 else 40 / math.sqrt(n)
    lo, hi = math.pi / 2 - width, math.pi / 2 + width
    assert quad(f, lo, hi, points=[math.pi / 2], limit=200)[0] == pytest.approx(1, abs=1e-9)
    assert quad(lambda t: t * f(t), lo, hi, points=[math.pi / 2], limit=200)[0] == pytest.approx(math.pi / 2)
    if n > 2:
        w = min(1.0, 40 / math.sqrt(n))
        assert quad(lambda e: float(A.cos_pdf(e, n)), -w, w, points=[0.0], limit=200)[0] == pytest.approx(1, abs=1e-9)


def test_special_cases():
    t = np.linspace(0, math.pi, 7)
    np.testing.assert_allclose(A.angle_pdf(t, 2), 1 / math.pi)
    np.testing.assert_allclose(A.angle_pdf(t, 3), np.sin(t) / 2, atol=1e-15)
    np.testing.assert_allclose(A.cos_pdf(np.linspace(-1, 1, 5), 3), 0.5)
    e = np.linspace(-0.9, 0.9, 5)
    np.testing.assert_allclose(A.cos_pdf(e, 2), 1 / (math.pi * np.sqrt(1 - e ** 2)))
    assert A.angle_pdf(-0.1, 5) == 0 and A.cos_pdf(1.5, 5) == 0


def test_cos_pdf_is_the_change_of_variable_and_a_beta_law():
    n, t = 7, np.linspace(0.05, 3.0, 9)
    np.testing.assert_allclose(A.angle_pdf(t, n), A.cos_pdf(np.cos(t), n) * np.sin(t), rtol=1e-12)
    e = np.linspace(-0.95, 0.95, 9)
    beta = stats.beta((n - 1) / 2, (n - 1) / 2).pdf((e + 1) / 2) / 2
    np.testing.assert_allclose(A.cos_pdf(e, n), beta, rtol=1e-10)


def test_normal_approximations():
    t = np.linspace(0, math.pi, 2001)
    assert np.trapezoid(A.normal_angle_pdf(t, 1000), t) == pytest.approx(1, abs=1e-6)
    exact, approx = A.angle_pdf(t, 1000), A.normal_angle_pdf(t, 1000)
    assert np.abs(exact - approx).max() < 0.01 * exact.max()
    assert np.isnan(A.normal_angle_pdf(t, 2)).all()
    e = np.linspace(-1, 1, 2001)
    assert np.abs(A.normal_cos_pdf(e, 500) - A.cos_pdf(e, 500)).max() < 0.01 * A.cos_pdf(0, 500)


def test_monte_carlo_n10_matches_exact():
    res = A.run(A.AnglesParams(n=10, samples=200_000, seed=1))
    se = math.sqrt(A.variance_exact(10) / 200_000)
    assert abs(res.mean - math.pi / 2) < 4 * se
    assert res.variance == pytest.approx(A.variance_exact(10), abs=2e-3)
    cdf = stats.beta(4.5, 4.5).cdf  # (cos θ + 1)/2 for n = 10
    theta_prob = -np.diff(cdf((np.cos(res.theta.edges) + 1) / 2))
    for hist, prob in ((res.theta, theta_prob), (res.cosine, np.diff(cdf((res.cosine.edges + 1) / 2)))):
        width = np.diff(hist.edges)
        se = np.sqrt(prob * (1 - prob) / 200_000) / width
        assert np.all(np.abs(hist.density - prob / width) < 5 * se + 1e-12)
    d = res.to_dict()
    assert set(d) >= {"mean", "variance", "variance_exact"} and d["samples"] == 200_000


@pytest.mark.parametrize("n", [3, 5, 40])
def test_gaussian_cosines_follow_the_beta_law(n):
    cos = np.cos(A.sample_angles(n, 20_000, "gaussian", seed=n))
    assert stats.kstest((cos + 1) / 2, stats.beta((n - 1) / 2, (n - 1) / 2).cdf).pvalue > 1e-3


def test_the_cube_is_not_isotropic_in_four_dimensions():
    law = stats.beta(1.5, 1.5, loc=-1, scale=2).cdf  # cos θ for n = 4
    cube = A.sample_angles(4, 400_000, "cube", seed=3)
    gauss = A.sample_angles(4, 400_000, "gaussian", seed=3)
    assert stats.kstest(np.cos(gauss), law).pvalue > 1e-3
    assert stats.kstest(np.cos(cube), law).pvalue < 1e-8


def test_large_n_is_chunked_and_reports_progress():
    seen = []
    ctx = TaskContext(on_progress=lambda d, t, s: seen.append((d, t)), interval=0)
    angles = A.sample_angles(5000, 900, "gaussian", seed=2, ctx=ctx)
    assert angles.shape == (900,) and len(seen) > 1 and seen[-1] == (900, 900)
    assert abs(angles.var() - A.variance_exact(5000)) < 0.3 * A.variance_exact(5000)


def test_cancel_and_sweep():
    control = RunControl()
    control.cancel()
    with pytest.raises(Cancelled):
        A.sample_angles(10, 1000, ctx=TaskContext(control))
    parts = []
    rows = A.sweep([3, 30], 5000, ctx=TaskContext(on_partial=parts.append))
    assert [r["n"] for r in rows] == [3, 30] and len(parts) == 2
    assert rows[1]["variance_exact"] == pytest.approx(series_variance(30), rel=1e-9)


def test_rejects_bad_dimension():
    with pytest.raises(ValueError):
        A.variance_exact(1)
