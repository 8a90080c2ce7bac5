"""The map equation against hand-computed values (SEEDS.md V1–V2, §1.4) and against the
``infomap`` package on the same partition and flow model."""

import networkx as nx
import numpy as np
import pytest

from engine.graph.data import Graph
from engine.graph.flow import compute_flow
from engine.graph.mapequation import codelength, enter_exit, one_module
from engine.graph.readers import from_networkx
from engine.graph.tree import build_tree

infomap = pytest.importorskip("infomap")


def two_triangles() -> Graph:
    s, t = np.array([0, 0, 1, 2, 3, 3, 4]), np.array([1, 2, 2, 3, 4, 5, 5])
    return Graph([str(i) for i in range(6)], s, t, np.ones(7), False)


def test_v1_one_module():
    flow = compute_flow(two_triangles(), directed=False)
    np.testing.assert_allclose(flow.node, np.array([2, 2, 3, 3, 2, 2]) / 14)
    assert one_module(flow) == pytest.approx(2.556657, abs=1e-6)
    one = build_tree(np.zeros(6, np.int64), flow.node, list("abcdef"))
    assert codelength(flow, one).total == pytest.approx(2.556657, abs=1e-6)


def test_v2_two_modules():
    g = two_triangles()
    flow = compute_flow(g, directed=False)
    tree = build_tree(np.array([0, 0, 0, 1, 1, 1]), flow.node, g.names)
    enter, exit_ = enter_exit(flow, tree)
    np.testing.assert_allclose(exit_, [1 / 14, 1 / 14])
    L = codelength(flow, tree)
    assert L.total == pytest.approx(2.320730, abs=1e-6)
    assert L.index == pytest.approx(2 / 14 * 1.0)  # q↷ H(Q) = 2/14 · 1 bit


def test_v2_author_teleportation_formula():
    """τ = 0.15, teleportation recorded and uniform to nodes: the author's exit formula (§1.1)."""
    g = two_triangles()
    flow = compute_flow(g, directed=True, teleport=0.15, recorded=True, to_nodes=True)
    one = build_tree(np.zeros(6, np.int64), flow.node, g.names)
    two = build_tree(np.array([0, 0, 0, 1, 1, 1]), flow.node, g.names)
    assert codelength(flow, one).total == pytest.approx(2.563514, abs=1e-6)
    assert codelength(flow, two).total == pytest.approx(2.517873, abs=1e-6)
    # the author's q_i↷ = τ (n − n_i)/n Σ_{α∈i} p_α + (1 − τ) Σ_{α∈i, β∉i} p_α p_{α→β}
    p, deg = flow.node, np.array([2, 2, 3, 3, 2, 2])
    q0 = 0.15 * 3 / 6 * p[:3].sum() + 0.85 * p[2] / deg[2]
    np.testing.assert_allclose(enter_exit(flow, two)[1][0], q0)


def test_undirected_flow_is_degree_and_exit_is_cut():
    g_nx = nx.gnm_random_graph(40, 120, seed=3)
    g = from_networkx(g_nx, "random")
    part = np.random.default_rng(0).integers(0, 4, g.n)
    flow = compute_flow(g, directed=False, teleport=0.15)  # τ plays no part in undirected flow
    two_m = 2 * g_nx.number_of_edges()
    np.testing.assert_allclose(flow.node, [g_nx.degree(v) / two_m for v in g_nx.nodes])
    tree = build_tree(part, flow.node, g.names)
    _, exit_ = enter_exit(flow, tree)
    for m in range(tree.num_modules):
        inside = set(np.flatnonzero(tree.leaf_module == m))
        cut = sum(1 for u, v in g_nx.edges if (u in inside) != (v in inside))
        assert exit_[m] == pytest.approx(cut / two_m)


def _package(g: Graph, part: np.ndarray, directed: bool, **flow_options):
    net = infomap.Network()
    net.add_nodes(range(g.n))
    net.add_links(g.links())
    opts = infomap.Options(two_level=True, flow_model="directed" if directed else "undirected", silent=True,
                           no_infomap=True, **flow_options)
    return infomap.run(net, options=opts, initial_partition={i: int(m) for i, m in enumerate(part)})


FLOWS = [(False, {}), (True, {}), (True, {"recorded_teleportation": True}), (True, {"to_nodes": True}),
         (True, {"recorded_teleportation": True, "to_nodes": True}), (True, {"teleportation_probability": 0.3})]


@pytest.mark.parametrize("directed, options", FLOWS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ours_equals_package_on_random_partitions(directed, options, seed):
    rng = np.random.default_rng(seed)
    n, m = 80, 400
    s, t = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = s != t
    g = Graph([str(i) for i in range(n)], s[keep], t[keep], rng.random(keep.sum()) + 0.05, True)
    part = rng.integers(0, 6, n)
    result = _package(g, part, directed, **options)
    flow = compute_flow(g, directed, options.get("teleportation_probability", 0.15),
                        options.get("recorded_teleportation", False), options.get("to_nodes", False))
    ours = codelength(flow, build_tree(part, flow.node, g.names))
    assert abs(ours.total - result.codelength) < 1e-6
    assert abs(ours.index - result.index_codelength) < 1e-6
    assert abs(one_module(flow) - result.one_level_codelength) < 1e-6
    package_flow = np.zeros(n)
    for node in result.nodes():
        package_flow[node.node_id] = node.flow
    np.testing.assert_allclose(flow.node, package_flow, atol=1e-9)
