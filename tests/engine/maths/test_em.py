"""EM for a Gaussian mixture against scikit-learn's GaussianMixture and KMeans from the same
start, scipy's densities, and SEEDS.md §19's checks (monotone likelihood, ±5 recovery)."""

import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from engine.control import RunControl
from engine.maths import em as E
from engine.tasks import TaskContext


def precisions(mix):
    if mix.covariance_type == "full":
        return np.linalg.inv(mix.covariances)
    return 1.0 / mix.covariances


@pytest.mark.parametrize("cov", E.COVARIANCES)
@pytest.mark.parametrize("dim", [1, 2])
def test_matches_sklearn_from_the_same_start(cov, dim):
    x, _, _ = E.generate(3, 400, dim, seed=dim)
    start = E.initial_state(x, 3, cov, "random", seed=5)
    states = [start]
    for _ in range(25):
        states.append(E.step(x, states[-1]))
    gm = GaussianMixture(3, covariance_type=cov, weights_init=start.mixture.weights, means_init=start.mixture.means,
                         precisions_init=precisions(start.mixture), max_iter=25, tol=0, reg_covar=1e-6,
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(x)
    end = states[-1].mixture
    np.testing.assert_allclose(end.weights, gm.weights_, atol=1e-6)
    np.testing.assert_allclose(end.means, gm.means_, atol=1e-6)
    np.testing.assert_allclose(end.covariances, gm.covariances_, atol=1e-6)
    assert states[-2].log_likelihood == pytest.approx(gm.lower_bound_, abs=1e-6)  # sklearn's last E-step
    assert states[-1].log_likelihood == pytest.approx(gm.score(x), abs=1e-6)
    np.testing.assert_allclose(states[-1].responsibilities, gm.predict_proba(x), atol=1e-6)


def test_kmeans_plus_plus_centres_are_sklearns():
    x, _, _ = E.generate(4, 300, 2, seed=3)
    gm = GaussianMixture(4, init_params="k-means++", random_state=11, reg_covar=1e-6)
    gm._initialize_parameters(x, np.random.RandomState(11))  # sklearn's start: one seed point per component
    np.testing.assert_allclose(E.seed_centres(x, 4, "k-means++", seed=11), gm.means_, atol=1e-10)
    start = E.initial_state(x, 4, "full", "k-means++", seed=11)  # ours: the nearest-centre assignment
    labels = E.nearest(x, gm.means_)
    for j in range(4):
        np.testing.assert_allclose(start.mixture.means[j], x[labels == j].mean(0), atol=1e-10)
        np.testing.assert_allclose(start.mixture.covariances[j], np.cov(x[labels == j].T, bias=True)
                                   + 1e-6 * np.eye(2), atol=1e-10)


def test_log_components_are_scipy_densities():
    x, _, _ = E.generate(2, 50, 3, seed=1)
    mix = E.initial_state(x, 2, "full", seed=2).mixture
    want = np.column_stack([np.log(w) + multivariate_normal(m, c).logpdf(x)
                            for w, m, c in zip(mix.weights, mix.means, mix.covariances)])
    np.testing.assert_allclose(E.log_components(x, mix), want, rtol=1e-10)
    for cov in ("diag", "spherical"):
        m = E.initial_state(x, 2, cov, seed=2).mixture
        want = np.column_stack([np.log(w) + multivariate_normal(mu, c).logpdf(x)
                                for w, mu, c in zip(m.weights, m.means, m.matrices)])
        np.testing.assert_allclose(E.log_components(x, m), want, rtol=1e-10)


@pytest.mark.parametrize("cov", E.COVARIANCES)
def test_log_likelihood_never_decreases(cov):
    for seed in range(30):
        dim = 1 + seed % 2
        x, _, _ = E.generate(3, 150, dim, seed=seed, separation=1.5)
        fit = E.fit(x, 1 + seed % 4, cov, E.INITS[seed % 2], seed, max_iter=60, tol=0, reg_covar=0.0)
        assert np.all(np.diff(fit.history) >= -1e-12 * np.abs(fit.history[1:])), (seed, cov)
        regular = E.fit(x, 3, cov, seed=seed, max_iter=60, tol=0)
        assert np.all(np.diff(regular.history) >= -1e-9), (seed, cov)


def test_recovers_two_separated_clusters():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-5, 1, 2000), rng.normal(5, 1, 2000)])
    fit = E.fit(x, 2, "full", seed=0)
    order = np.argsort(fit.state.mixture.means[:, 0])
    mix = fit.state.mixture
    np.testing.assert_allclose(mix.means[order, 0], [-5, 5], atol=0.1)
    np.testing.assert_allclose(mix.covariances[order, 0, 0], [1, 1], atol=0.1)
    np.testing.assert_allclose(mix.weights, [0.5, 0.5], atol=0.02)
    assert fit.converged and fit.iterations < 100
    np.testing.assert_allclose(fit.state.responsibilities.sum(1), 1.0)


def test_kmeans_matches_sklearn_lloyd():
    x, _, _ = E.generate(4, 500, 2, seed=7, separation=2.0)
    centres = E.seed_centres(x, 4, "random", seed=3)
    states = list(E.kmeans_iterate(x, E.kmeans_state(x, centres)))
    km = KMeans(4, init=centres, n_init=1, algorithm="lloyd", tol=0, max_iter=300).fit(x)
    np.testing.assert_allclose(states[-1].means, km.cluster_centers_, atol=1e-9)
    assert states[-1].inertia * len(x) == pytest.approx(km.inertia_, rel=1e-9)
    assert all(a.inertia >= b.inertia - 1e-12 for a, b in zip(states, states[1:]))


def test_kmeans_is_the_hard_limit_of_em():
    x, _, _ = E.generate(3, 300, 2, seed=2)
    centres = E.seed_centres(x, 3, seed=4)
    mix = E.Mixture(np.full(3, 1 / 3), centres, np.full(3, 1e-4), "spherical")
    resp, _ = E.e_step(x, mix)
    assert np.allclose(resp.max(1), 1.0) and np.array_equal(resp.argmax(1), E.kmeans_state(x, centres).labels)


def test_partial_states_stop_and_generated_truth():
    x, labels, truth = E.generate(3, 900, 2, seed=1, separation=6.0)
    seen = []
    control = RunControl()
    ctx = TaskContext(control, on_partial=seen.append)
    fit = E.fit(x, 3, seed=1, ctx=ctx)
    assert [s.iteration for s in seen] == list(range(1, fit.iterations + 1))
    order = [int(np.argmin(((fit.state.mixture.means - m) ** 2).sum(1))) for m in truth.means]
    assert sorted(order) == [0, 1, 2]
    np.testing.assert_allclose(fit.state.mixture.means[order], truth.means, atol=0.25)
    bayes = E.e_step(x, truth)[0].argmax(1)  # the best any fit can do
    assert (fit.state.labels == np.array(order)[bayes]).mean() > 0.99
    assert (bayes == labels).mean() > 0.9
    control.request_stop()
    assert E.fit(x, 3, seed=1, ctx=TaskContext(control)).iterations == 1


def test_verb_on_a_table(tmp_path):
    x, _, _ = E.generate(2, 200, 2, seed=3)
    path = tmp_path / "pts.csv"
    path.write_text("a,b,name\n" + "\n".join(f"{u},{v},p{i}" for i, (u, v) in enumerate(x)) + "\n")
    fit = E.run(E.EMParams(table=str(path), k=2, seed=1))
    assert fit.columns == ["a", "b"]
    same = E.fit(x, 2, seed=1)
    d = fit.to_dict()
    assert d["log_likelihood"] == pytest.approx(same.state.log_likelihood)
    assert d["iterations"] == same.iterations and len(d["weights"]) == 2 and np.shape(d["means"]) == (2, 2)
    one = E.run(E.EMParams(table=str(path), k=2, columns="b", covariance="spherical"))
    assert one.columns == ["b"] and np.shape(one.to_dict()["means"]) == (2, 1)


def test_bad_input():
    with pytest.raises(E.EMError):
        E.initial_state(np.zeros((3, 2)), 5)
    with pytest.raises(E.EMError):
        E.fit([1.0, np.nan, 2.0], 1)
    with pytest.raises(E.EMError, match="singular"):
        E.fit(np.zeros((10, 2)), 1, reg_covar=0.0)
