"""Clustering end to end: planted partitions, the detectability transition, the comparison
methods, and the module tree."""

import numpy as np
import pytest

from engine.errors import UserError
from engine.graph.cluster import cluster
from engine.graph.data import Vectors
from engine.graph.readers import builtin, lfr
from engine.tasks import Cancelled, TaskContext

pytest.importorskip("infomap")


@pytest.fixture(scope="module")
def lfr_03():
    return lfr(n=1000, mu=0.3, seed=42)


def test_lfr_mu_03_planted_partition_recovered(lfr_03):
    r = cluster(lfr_03, directed=False)
    assert r.nmi == pytest.approx(1.0, abs=1e-9)
    assert r.tree.num_top == len(np.unique(lfr_03.labels))
    assert abs(r.codelength - r.ours.total) < 1e-6
    assert r.ours.total < r.one_module


def test_lfr_mu_06_one_module_as_the_package_does():
    r = cluster(lfr(n=1000, mu=0.6, seed=42), directed=False)
    assert r.tree.num_top == 1
    assert r.nmi == pytest.approx(0.0, abs=1e-9)
    assert r.ours.total == pytest.approx(r.one_module, abs=1e-9)  # one module: L = H(p)


@pytest.mark.parametrize("directed", [False, True])
def test_multilevel_codelength_equals_package(directed):
    """Les Misérables is undirected: with a directed flow its edges are links both ways, for both."""
    r = cluster(builtin("lesmis"), directed=directed, levels="multi", trials=3)
    assert abs(r.codelength - r.ours.total) < 1e-6


def vectors_with_planted_groups(n_per=60, groups=5, dim=24, seed=0) -> Vectors:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dim))
    x = np.repeat(centres, n_per, 0) + 0.35 * rng.normal(size=(groups * n_per, dim))
    labels = np.repeat(np.arange(groups), n_per)
    return Vectors([f"w{i}" for i in range(len(x))], x.astype(np.float32), labels, "planted")


@pytest.mark.parametrize("method", ["infomap", "leiden", "louvain", "kmeans"])
def test_every_method_finds_planted_groups_and_is_scored_by_both_codelengths(method):
    v = vectors_with_planted_groups()
    r = cluster(v, method=method, k=10, min_sim=0.5)
    assert r.graph.method == "exact"
    assert r.nmi > 0.95 and r.ari > 0.9
    assert abs(r.codelength - r.ours.total) < 1e-6
    assert r.tree.levels == 2


def test_multilevel_on_vectors_agrees_with_package():
    r = cluster(vectors_with_planted_groups(groups=8, n_per=40), k=15, levels="multi", trials=2)
    assert abs(r.codelength - r.ours.total) < 1e-6


def test_kmeans_needs_vectors_and_no_links_is_a_user_error():
    with pytest.raises(UserError, match="K-means needs vectors"):
        cluster(builtin("karate"), method="kmeans")
    rng = np.random.default_rng(0)
    far = Vectors([str(i) for i in range(50)], rng.normal(size=(50, 200)).astype(np.float32))
    with pytest.raises(UserError, match="no links"):
        cluster(far, min_sim=0.9)


def test_cancel_is_honoured():
    ctx = TaskContext()
    ctx.control.cancel()
    with pytest.raises(Cancelled):
        cluster(vectors_with_planted_groups(), ctx=ctx)


def test_tree_flows_sizes_and_names(lfr_03):
    r = cluster(lfr_03, directed=False)
    tree = r.tree
    top = tree.parent < 0
    assert tree.flow[top].sum() == pytest.approx(1.0)
    assert tree.size[top].sum() == lfr_03.n
    assert np.all(np.diff(tree.flow[top]) <= 1e-15)  # ranked by flow
    first = int(np.flatnonzero(top)[0])
    members = tree.members(first)
    expected = np.argsort(-r.flow.node[members], kind="stable")
    np.testing.assert_array_equal(members, members[expected])
    assert tree.names[first].split(", ") == [lfr_03.names[i] for i in members[:3]]
    # item paths hold the module path then the item's rank by flow
    assert tree.item_path(int(members[0])) == f"{tree.path_text(first)}:1"
