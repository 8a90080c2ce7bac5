"""HSIC against SEEDS.md §5 (V6, V7): the estimators written out as n×n matrix products in
numpy, the published demo values, and the permutation null checked by brute force."""

import math

import numpy as np
import pytest
import torch

from engine.maths import hsic as H
from engine.tasks import TaskContext


def kernel(v, sigma=1.0):
    v = np.asarray(v, float).reshape(len(v), -1)
    d2 = ((v[:, None, :] - v[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / sigma ** 2)


def trace_form(x, y, sigma=1.0):
    n = len(x)
    j = np.eye(n) - 1.0 / n
    return np.trace(kernel(x, sigma) @ j @ kernel(y, sigma) @ j)


def song_unbiased(x, y, sigma=1.0):
    k, l = kernel(x, sigma), kernel(y, sigma)  # noqa: E741
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    n, one = len(x), np.ones(len(x))
    return (np.trace(k @ l) + (one @ k @ one) * (one @ l @ one) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * one @ k @ l @ one) / (n * (n - 3))


@pytest.mark.parametrize("kind", H.PAIRS)
def test_v6_three_terms_equal_the_trace_form(kind):
    x, y = H.synthetic_pair(kind, 150, seed=4)
    n = len(x)
    t = trace_form(x, y)
    assert H.hsic(x, y, estimator="biased") == pytest.approx(t / n ** 2, rel=1e-10, abs=1e-15)
    assert H.hsic(x, y, estimator="author") == pytest.approx(t / (n - 1) ** 2, rel=1e-10, abs=1e-15)
    assert H.hsic(x, y, estimator="unbiased") == pytest.approx(song_unbiased(x, y), rel=1e-9, abs=1e-13)


def test_vector_variables_and_sigma():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(80, 3)), rng.normal(size=(80, 2))
    assert H.hsic(x, y, sigma=1.7) == pytest.approx(trace_form(x, y, 1.7) / 80 ** 2, rel=1e-10)


def test_biased_is_nonnegative():
    for seed in range(20):
        x, y = H.synthetic_pair("independent", 40, seed=seed)
        assert H.hsic(x, y) >= 0.0


def test_blocks_do_not_change_the_sums(monkeypatch):
    x, y = H.synthetic_pair("ring", 300, seed=1)
    whole = H.hsic(x, y)
    monkeypatch.setattr(H, "_BLOCK_VALUES", 700)  # one row per block
    assert H.hsic(x, y) == pytest.approx(whole, rel=1e-12)


def test_v7_author_demo():
    ind = np.mean([H.hsic(*H.synthetic_pair("independent", 1000, seed=s)) for s in range(5)])
    dep = np.mean([H.hsic(*H.synthetic_pair("author", 1000, seed=s)) for s in range(5)])
    assert 1e-4 < ind < 5e-4  # author ≈ 0.0002, SEEDS [C] 3.1e-4
    assert 0.09 < dep < 0.10  # author ≈ 0.096, SEEDS [C] 0.094


def test_permuted_cross_is_the_permuted_kernel_sum_on_every_path(monkeypatch):
    x, y = H.synthetic_pair("sinusoid", 120, seed=2)
    k, l = kernel(x), kernel(y)  # noqa: E741
    tx, ty = torch.tensor(x[:, None]), torch.tensor(y[:, None])
    results = []
    calls = []
    real = H.gaussian_kernel
    monkeypatch.setattr(H, "gaussian_kernel", lambda a, b, s: calls.append(a.shape[0] * b.shape[0]) or real(a, b, s))
    for rank, store in ((H.MAX_RANK, H._STORE_BYTES), (0, H._STORE_BYTES), (0, 0)):  # low rank, stored, blocks
        monkeypatch.setattr(H, "MAX_RANK", rank)
        monkeypatch.setattr(H, "_STORE_BYTES", store)
        calls.clear()
        pairs = list(H.permuted_cross(tx, ty, 1.0, 1.0, 30, 7, TaskContext()))
        for cross, perm in pairs:
            assert cross == pytest.approx((k * l[np.ix_(perm, perm)]).sum(), rel=1e-9)
        results.append([c for c, _ in pairs])
        full = calls.count(120 * 120)  # whole kernels: the stored pair, or two per recomputed permutation
        assert full == [0, 2, 60][len(results) - 1], calls
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9)
    np.testing.assert_allclose(results[1], results[2], rtol=1e-12)


def test_pivoted_cholesky():
    x = np.random.default_rng(3).normal(size=400)
    g = H.pivoted_cholesky(torch.tensor(x[:, None]), 1.0, 256)
    assert g.shape[1] < 60
    assert np.abs(kernel(x) - (g @ g.T).numpy()).max() < 1e-9
    assert H.pivoted_cholesky(torch.tensor(x[:, None]), 1e-3, 256) is None  # nearly the identity: full rank


@pytest.mark.parametrize("kind", ["quadratic", "sinusoid", "ring", "author"])
def test_dependence_is_detected_where_pearson_sees_little(kind):
    x, y = H.synthetic_pair(kind, 300, seed=5)
    res = H.independence_test(x, y, permutations=200, seed=1)
    assert res.p_value == pytest.approx(1 / 201) and res.p_value_gamma < 1e-3
    if kind != "author":
        assert abs(res.pearson) < 0.2


def test_independent_pair_and_permutation_null():
    x, y = H.synthetic_pair("independent", 300, seed=8)
    res = H.independence_test(x, y, permutations=2000, seed=3)
    assert res.p_value > 0.01 and res.p_value_gamma > 0.01
    assert res.p_value == pytest.approx((1 + (res.null >= res.hsic).sum()) / 2001)
    # the gamma law matches the null's first two moments (Gretton et al. 2008)
    g = res.gamma
    assert g.shape * g.scale == pytest.approx(res.null.mean(), rel=0.05)
    assert g.shape * g.scale ** 2 == pytest.approx(res.null.var(), rel=0.2)
    assert abs(res.p_value - res.p_value_gamma) < 0.05
    assert np.isclose(np.trapezoid(g.pdf(np.linspace(0, 20 * g.scale * g.shape, 4001)),
                                   np.linspace(0, 20 * g.scale * g.shape, 4001)), 1, atol=1e-3)


def test_estimators_share_the_test():
    x, y = H.synthetic_pair("linear", 200, noise=3.0, seed=9)
    biased = H.independence_test(x, y, estimator="biased", permutations=300, seed=2)
    author = H.independence_test(x, y, estimator="author", permutations=300, seed=2)
    unbiased = H.independence_test(x, y, estimator="unbiased", permutations=300, seed=2)
    assert author.hsic == pytest.approx(biased.hsic * 200 ** 2 / 199 ** 2)
    assert author.p_value == biased.p_value and author.p_value_gamma == pytest.approx(biased.p_value_gamma)
    assert unbiased.gamma is None and unbiased.to_dict()["p_value_gamma"] is None
    assert unbiased.hsic == pytest.approx(song_unbiased(x, y), rel=1e-9)


def test_median_heuristic():
    x = np.random.default_rng(1).normal(size=300) * 7
    d = np.abs(x[:, None] - x[None, :])[np.triu_indices(300, 1)]
    assert H.median_sigma(x) == pytest.approx(np.median(d))
    res = H.independence_test(x, x ** 2, bandwidth="median", permutations=0)
    assert res.sigma_x == pytest.approx(np.median(d)) and res.p_value is None
    with pytest.raises(H.HSICError):
        H.median_sigma(np.zeros(10))


def test_matrix_beside_pearson():
    x, y = H.synthetic_pair("quadratic", 200, seed=6)
    z = np.random.default_rng(0).normal(size=200)
    data = np.column_stack([x, y, z])
    m = H.hsic_matrix(data, ["x", "y", "z"])
    assert m.hsic[0, 1] == pytest.approx(H.hsic(x, y), rel=1e-10)
    assert m.hsic[2, 2] == pytest.approx(trace_form(z, z) / 200 ** 2, rel=1e-10)
    np.testing.assert_allclose(m.hsic, m.hsic.T, rtol=1e-12)
    np.testing.assert_allclose(m.pearson, np.corrcoef(data, rowvar=False))
    np.testing.assert_allclose(np.diag(m.normalised), 1.0)
    assert m.normalised[0, 1] > 5 * m.normalised[0, 2] and abs(m.pearson[0, 1]) < 0.3


def test_bad_input():
    with pytest.raises(H.HSICError):
        H.independence_test([1, 2, 3], [1, 2])
    with pytest.raises(H.HSICError):
        H.independence_test([1, 2, math.nan, 4, 5], [1, 2, 3, 4, 5])
    with pytest.raises(ValueError):
        H.synthetic_pair("spiral")


def test_verb_on_a_csv(tmp_path):
    x, y = H.synthetic_pair("author", 200, seed=0)
    path = tmp_path / "t.csv"
    rows = ["a,b,label"] + [f"{u},{v},r{i}" for i, (u, v) in enumerate(zip(x, y))] + [",1.0,gap"]
    path.write_text("\n".join(rows) + "\n")
    ctx = TaskContext()
    res = H.run(H.HSICParams(table=str(path), x="a", y="b", permutations=100), ctx)
    assert res.n == 200 and res.hsic == pytest.approx(trace_form(x, y) / 200 ** 2, rel=1e-10)
    assert set(res.to_dict()) >= {"hsic", "p_value", "n"} and res.to_dict()["p_value"] == pytest.approx(1 / 101)
    assert any("1 row" in w for w in ctx.warnings)
    with pytest.raises(H.HSICError, match="choose the x and y columns"):
        H.run(H.HSICParams(table=str(path), x="a"))
