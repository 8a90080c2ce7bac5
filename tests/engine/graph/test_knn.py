"""The kNN similarity graph against sklearn's brute-force neighbours."""

import importlib.util

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from engine.errors import UserError
from engine.graph.data import Vectors
from engine.graph.knn import choose_method, knn_graph


def clustered(n=600, dim=16, seed=0) -> Vectors:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, dim))
    x = centres[rng.integers(0, 12, n)] + 0.6 * rng.normal(size=(n, dim))
    return Vectors([f"v{i}" for i in range(n)], x.astype(np.float32))


def reference(v: Vectors, k: int, min_sim: float) -> dict[tuple[int, int], float]:
    nn = NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute").fit(v.matrix)
    dist, idx = nn.kneighbors(v.matrix)
    edges = {}
    for u in range(len(v)):
        row = [(j, 1 - d) for j, d in zip(idx[u], dist[u]) if j != u][:k]
        for j, sim in row:
            if sim >= min_sim:
                edges[(u, int(j))] = sim
    return edges


def as_dict(g) -> dict[tuple[int, int], float]:
    return {(int(s), int(t)): w for s, t, w in zip(g.source, g.target, g.weight)}


@pytest.mark.parametrize("k, min_sim", [(40, 0.5), (10, 0.0), (5, 0.8)])
def test_exact_graph_equals_brute_force_reference(k, min_sim):
    v = clustered()
    g = knn_graph(v, k, min_sim, method="exact")
    ours, ref = as_dict(g), reference(v, k, min_sim)
    near_threshold = {e for e, w in ref.items() if abs(w - min_sim) < 1e-5}
    assert set(ours) ^ set(ref) <= near_threshold
    assert g.directed and g.method == "exact"
    for e in set(ours) & set(ref):
        assert ours[e] == pytest.approx(ref[e], abs=1e-5)


def test_exact_blocks_give_the_same_graph(monkeypatch):
    import engine.graph.knn as knn

    v = clustered(n=300)
    whole = as_dict(knn_graph(v, 8, 0.3, method="exact"))
    monkeypatch.setattr(knn, "TILE", 7)
    assert as_dict(knn_graph(v, 8, 0.3, method="exact")) == pytest.approx(whole)


@pytest.mark.skipif(importlib.util.find_spec("faiss") is None, reason="faiss-cpu not installed")
def test_hnsw_is_close_to_exact():  # faiss is not imported here: it must not share a process with infomap
    v = clustered(n=2000)
    exact = set(as_dict(knn_graph(v, 20, 0.3, method="exact")))
    approx = knn_graph(v, 20, 0.3, method="faiss-hnsw")
    assert approx.method == "faiss-hnsw"
    assert len(set(as_dict(approx)) & exact) / len(exact) > 0.97
    assert not np.any(approx.source == approx.target)


def test_method_is_chosen_by_size_and_k_is_capped():
    assert choose_method(50_000) == "exact" and choose_method(50_001) == "faiss-hnsw"
    v = clustered(n=6)
    g = knn_graph(v, 40, -1.0)
    assert g.num_links == 6 * 5  # k capped at n − 1, every other item kept
    with pytest.raises(UserError):
        knn_graph(Vectors(["a"], np.ones((1, 3), np.float32)), 5, 0.5)


def test_duplicates_find_each_other_and_self_is_excluded():
    x = np.array([[1, 0], [1, 0], [0, 1]], np.float32)
    g = knn_graph(Vectors(list("abc"), x), 1, 0.5)
    assert as_dict(g) == {(0, 1): pytest.approx(1.0), (1, 0): pytest.approx(1.0)}


def test_links_are_listed_by_item_then_similarity():
    g = knn_graph(clustered(n=400), 12, 0.2)
    assert np.all(np.diff(g.source) >= 0)
    same = np.diff(g.source) == 0
    assert np.all(np.diff(g.weight)[same] <= 0)
