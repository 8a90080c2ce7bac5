"""The 2-D map and the neighbour search."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from engine.errors import UserError
from engine.graph.data import Vectors
from engine.graph.layout import layout, pca
from engine.graph.readers import builtin
from engine.graph.search import Finder


def test_pca_variances_are_the_top_eigenvalues():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)) * np.array([5, 3, 1, 0.5, 0.2, 0.1])
    coords = pca(x)
    eig = np.sort(np.linalg.eigvalsh(np.cov(x.T)))[::-1][:2]
    np.testing.assert_allclose(coords.var(axis=0, ddof=1), eig, rtol=1e-4)
    assert pca(np.ones((1, 3))).shape == (1, 2) and pca(np.ones((4, 1))).shape == (4, 2)


def test_layout_falls_back_to_pca_and_lays_out_graphs():
    v = builtin("digits")
    coords, method = layout(v, "pca")
    assert method == "pca" and coords.shape == (1797, 2) and np.isfinite(coords).all()
    coords, method = layout(builtin("karate"))
    assert method == "fruchterman-reingold" and coords.shape == (34, 2)


def test_nearest_neighbours_match_sklearn():
    rng = np.random.default_rng(1)
    v = Vectors([f"w{i}" for i in range(200)], rng.normal(size=(200, 10)).astype(np.float32))
    finder = Finder(v)
    got = finder.nearest("w7", 5)
    nn = NearestNeighbors(n_neighbors=6, metric="cosine", algorithm="brute").fit(v.matrix)
    dist, idx = nn.kneighbors(v.matrix[7:8])
    assert [n.index for n in got] == [int(i) for i in idx[0] if i != 7][:5]
    np.testing.assert_allclose([n.cosine for n in got], 1 - dist[0][1:], atol=1e-5)
    assert finder.find("W7") == 7
    with pytest.raises(UserError):
        finder.find("nothing")


@pytest.mark.slow
def test_umap_when_installed():
    pytest.importorskip("umap")
    rng = np.random.default_rng(2)
    v = Vectors([str(i) for i in range(120)], rng.normal(size=(120, 8)).astype(np.float32))
    coords, method = layout(v)
    assert method == "umap" and coords.shape == (120, 2) and np.isfinite(coords).all()
