"""Vectors or a graph → modules, by InfoMap (the ``infomap`` package, two-level or multilevel)
or, for comparison, Leiden and Louvain (igraph's, on modularity) and K-means (sklearn).

Whatever the method, the result carries the same things: the graph (the kNN graph for
vectors), its flow, the module tree, the package's codelength of the partition (for
other methods, the package evaluates their partition without searching), ours from
:mod:`engine.graph.mapequation`, the one-module codelength, and NMI/ARI against labels.

Choices made here: Leiden and Louvain see directed links as undirected edges with the
weights of both directions summed (igraph's modularity methods are undirected) and give
two levels; K-means runs on the unit vectors (the graph is cosine-based) with as many
clusters as there are labels, or √(n/2) without labels.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from engine.graph import GraphInputError
from engine.graph.data import Graph, Vectors
from engine.graph.flow import Flow, compute_flow
from engine.graph.infomap_runner import InfomapOptions, submit
from engine.graph.knn import knn_graph
from engine.graph.mapequation import Codelength, codelength, one_module
from engine.graph.tree import ModuleTree, build_tree
from engine.tasks import TaskContext

METHODS = ("infomap", "leiden", "louvain", "kmeans")
LEVELS = ("two", "multi")


@dataclass
class Clustering:
    graph: Graph
    flow: Flow
    tree: ModuleTree
    method: str
    codelength: float        # the package's, for this partition and flow model
    ours: Codelength         # ours, from the flow
    one_module: float        # ours, every item in one module
    vectors: Vectors | None = None
    nmi: float | None = None
    ari: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def labels(self) -> np.ndarray | None:
        return self.graph.labels


def cluster(data: Vectors | Graph, method: str = "infomap", k: int = 40, min_sim: float = 0.5,
            directed: bool = True, levels: str = "two", teleport: float = 0.15, trials: int = 1, seed: int = 1,
            knn_method: str = "auto", ctx: TaskContext | None = None) -> Clustering:
    ctx = ctx or TaskContext()
    if method not in METHODS:
        raise GraphInputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if levels not in LEVELS:
        raise GraphInputError(f"levels must be one of {', '.join(LEVELS)}; got {levels!r}")
    vectors = data if isinstance(data, Vectors) else None
    if method == "kmeans" and vectors is None:
        raise GraphInputError("K-means needs vectors; this input is a graph")
    options = InfomapOptions(directed, levels == "two", teleport, trials, seed)
    seconds: dict[str, float] = {}
    pending = None
    try:
        t0 = time.perf_counter()
        graph = knn_graph(vectors, k, min_sim, knn_method, ctx) if vectors is not None else data
        seconds["graph"] = time.perf_counter() - t0
        if graph.num_links == 0:
            raise GraphInputError("no links: no pair of items reaches the minimum similarity; lower --min-sim")
        ctx.progress(0, None, f"clustering {graph.n:,} items, {graph.num_links:,} links ({method})")
        t0 = time.perf_counter()
        if method == "infomap":
            paths = None
        else:  # the package only evaluates this partition
            paths = _other(method, graph, vectors, seed)
            options = InfomapOptions(directed, True, teleport, 1, seed)
        pending = submit(graph.n, graph.links(directed), options, ctx, initial=paths)
        flow = compute_flow(graph, directed, teleport)  # ours, while a worker searches
        outcome = pending.result(ctx)
        seconds["clustering"] = time.perf_counter() - t0
    except BaseException:  # Cancel or an error: no worker process is left behind
        if pending is not None:
            pending.cancel()
        raise
    ctx.checkpoint()
    t0 = time.perf_counter()
    tree = build_tree(_trimmed(outcome.paths if paths is None else paths), flow.node, graph.names)
    ours = codelength(flow, tree)
    seconds["codelength"] = time.perf_counter() - t0
    result = Clustering(graph, flow, tree, method, outcome.codelength, ours, one_module(flow), vectors,
                        seconds=seconds)
    if graph.labels is not None:
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        result.nmi = float(normalized_mutual_info_score(graph.labels, tree.top))
        result.ari = float(adjusted_rand_score(graph.labels, tree.top))
    return result


def _trimmed(paths: np.ndarray) -> list[tuple[int, ...]] | np.ndarray:
    """Module paths without the −1 padding (a 1-D array stays a two-level partition)."""
    if paths.ndim == 1 or paths.shape[1] == 1:
        return paths.reshape(-1)
    return [tuple(int(m) for m in row if m >= 0) for row in paths]


def _other(method: str, graph: Graph, vectors: Vectors | None, seed: int) -> np.ndarray:
    """(n,) module ids by Leiden, Louvain or K-means."""
    if method == "kmeans":
        from sklearn.cluster import KMeans

        assert vectors is not None
        labels = vectors.labels
        count = len(np.unique(labels)) if labels is not None else max(2, round(math.sqrt(len(vectors) / 2)))
        return KMeans(n_clusters=min(count, len(vectors)), n_init=4, random_state=seed).fit_predict(vectors.unit())
    import random

    import igraph as ig

    g = ig.Graph(n=graph.n, edges=np.column_stack([graph.source, graph.target]).tolist(), directed=False,
                 edge_attrs={"weight": graph.weight.tolist()})
    g.simplify(combine_edges={"weight": "sum"})
    ig.set_random_number_generator(random.Random(seed))
    try:
        if method == "leiden":
            found = g.community_leiden(objective_function="modularity", weights="weight", n_iterations=-1)
        else:
            found = g.community_multilevel(weights="weight")
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(found.membership, np.int64)
