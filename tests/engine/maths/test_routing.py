"""Capsule routing against SEEDS.md §13's checks, a hand-worked iteration, sklearn's KMeans
(the stiff limit of soft K-means) and the objectives each iteration climbs."""

import math

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.cluster import KMeans

from engine.maths import routing as R


def test_squash_norms():
    for n in (1e-3, 0.5, 1.0, 3.0, 1e6):
        v = np.array([n, 0.0, 0.0])
        assert np.linalg.norm(R.squash(v)) == pytest.approx(n * n / (1 + n * n))
    assert np.linalg.norm(R.squash([0.6, 0.8])) == pytest.approx(0.5)  # ‖v‖ = 1 → 0.5
    assert np.linalg.norm(R.squash([0.6, 0.8], constant=0.5)) == pytest.approx(1 / 1.5)
    assert np.linalg.norm(R.squash([3e4, 4e4])) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_array_equal(R.squash(np.zeros((2, 3))), 0.0)
    np.testing.assert_allclose(R.squash([[3.0, 4.0]])[0] / np.linalg.norm(R.squash([[3.0, 4.0]])), [0.6, 0.8])


def test_author_routing_by_hand():
    u_hat = R.identity_predictions(np.eye(2), 2)
    step = R.author_routing(u_hat, 1, init=np.eye(2) * 3.0)[0]
    e = math.e
    np.testing.assert_allclose(step.coupling, [[e / (1 + e), 1 / (1 + e)], [1 / (1 + e), e / (1 + e)]])
    np.testing.assert_allclose(step.capsules, [[e / (1 + e), 1 / (1 + e)], [1 / (1 + e), e / (1 + e)]])
    norm2 = (e * e + 1) / (1 + e) ** 2
    np.testing.assert_allclose(step.outputs[0], step.capsules[0] * norm2 / (1 + norm2) / math.sqrt(norm2))


def test_hinton_routing_by_hand():
    u_hat = R.identity_predictions(np.array([[1.0, 0.0], [0.0, 2.0]]), 2)
    first, second = R.hinton_routing(u_hat, 2)
    np.testing.assert_allclose(first.coupling, 0.5)
    s = np.array([0.5, 1.0])  # ½u₁ + ½u₂ for both capsules
    v = s * (1.25 / 2.25) / math.sqrt(1.25)
    np.testing.assert_allclose(first.outputs, [v, v])
    np.testing.assert_allclose(second.coupling, 0.5)  # equal logits stay equal: the symmetry of equal starts


@pytest.mark.parametrize("route", [R.author_routing, R.hinton_routing])
def test_one_input_capsule_points_along_w_u(route):
    rng = np.random.default_rng(0)
    w, u = rng.normal(size=(5, 4, 3)), rng.normal(size=(1, 3))
    out = route(R.predictions(u, w), 3)[-1].outputs
    wu = np.einsum("jod,d->jo", w, u[0])
    cos = (out * wu).sum(1) / (np.linalg.norm(out, axis=1) * np.linalg.norm(wu, axis=1))
    np.testing.assert_allclose(cos, 1.0, atol=1e-12)


@pytest.mark.parametrize("kind", R.ROUTINGS)
def test_permutation_invariance_of_the_shared_version(kind):
    rng = np.random.default_rng(1)
    w, u = rng.normal(size=(3, 4, 2)), rng.normal(size=(12, 2))
    perm = rng.permutation(12)
    init = rng.normal(size=(3, 4)) if kind == "soft-kmeans" else None
    a = R.route(kind, R.predictions(u, w), 4, init)[-1]
    b = R.route(kind, R.predictions(u[perm], w), 4, init)[-1]
    np.testing.assert_allclose(a.outputs, b.outputs, atol=1e-12)
    np.testing.assert_allclose(a.coupling[perm], b.coupling, atol=1e-12)


def test_fully_connected_predictions():
    rng = np.random.default_rng(2)
    w, u = rng.normal(size=(6, 3, 4, 2)), rng.normal(size=(6, 2))
    u_hat = R.predictions(u, w)
    np.testing.assert_allclose(u_hat[4, 1], w[4, 1] @ u[4])


def test_hinton_sharpens_and_the_author_stays_soft():
    u = R.generate_inputs(60, 3, seed=3)
    u_hat = R.identity_predictions(u, 3)
    init = R.random_init(u, 3, seed=1)
    hinton = R.hinton_routing(u_hat, 40, init)
    author = R.author_routing(u_hat, 40, init)
    assert np.median(hinton[-1].coupling.max(1)) > 0.999
    assert hinton[-1].coupling.max(1).mean() > hinton[1].coupling.max(1).mean()
    assert author[-1].coupling.max(1).max() < np.exp(3) / (np.exp(3) + 2 * np.exp(-3))  # |logits| ≤ ‖u‖ ≤ 1.5


def objective_author(u_hat, v):
    direction = v / np.linalg.norm(v, axis=1, keepdims=True)
    return logsumexp(np.einsum("ijd,jd->ij", u_hat, direction), axis=1).sum()


def objective_kmeans(u_hat, v, stiffness):
    return (-logsumexp(-stiffness * ((u_hat - v[None]) ** 2).sum(-1), axis=1) / stiffness).sum()


def test_iterations_climb_their_objectives():
    for seed in range(10):
        u = R.generate_inputs(40, 3, spread=0.6, seed=seed)
        u_hat, init = R.identity_predictions(u, 3), R.random_init(u, 3, seed=seed)
        f = [objective_author(u_hat, init)] + [objective_author(u_hat, s.capsules)
                                                for s in R.author_routing(u_hat, 15, init)]
        assert np.all(np.diff(f) >= -1e-10), seed
        g = [objective_kmeans(u_hat, init, 2.0)] + [objective_kmeans(u_hat, s.capsules, 2.0)
                                                    for s in R.soft_kmeans(u_hat, 15, init, 2.0)]
        assert np.all(np.diff(g) <= 1e-10), seed


def test_soft_kmeans_fixed_point_is_stationary():
    u = R.generate_inputs(50, 2, seed=4)
    u_hat = R.identity_predictions(u, 2)
    v = R.soft_kmeans(u_hat, 300, R.random_init(u, 2, seed=0), 3.0)[-1].capsules
    h = 1e-6
    for j in range(2):
        for d in range(2):
            dv = np.zeros_like(v)
            dv[j, d] = h
            grad = (objective_kmeans(u_hat, v + dv, 3.0) - objective_kmeans(u_hat, v - dv, 3.0)) / (2 * h)
            assert abs(grad) < 1e-6


def test_stiff_soft_kmeans_is_kmeans():
    rng = np.random.default_rng(5)
    u = np.concatenate([rng.normal(c, 0.5, (30, 2)) for c in ((0, 0), (4, 1), (1, 5))])
    init = u[[0, 30, 60]] + 0.3
    soft = R.soft_kmeans(R.identity_predictions(u, 3), 30, init, stiffness=1e4)[-1]
    km = KMeans(3, init=init, n_init=1, algorithm="lloyd").fit(u)
    np.testing.assert_allclose(soft.capsules, km.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(soft.coupling.argmax(1), km.labels_)


def test_bad_kind():
    with pytest.raises(ValueError):
        R.route("em", np.zeros((2, 2, 2)))
