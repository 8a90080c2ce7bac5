"""The Clusters bench's background work, without Qt (it also runs in spawned worker
processes): read a source, cluster it with the engine, lay out the map, find an item's
neighbours, and cut a module's subgraph out for the module view.

Written here, as no library does them: an item's neighbours in a graph without vectors
(its links, both directions, by summed weight), and a module's subgraph with its links
aggregated per neighbouring module (the view Infomap Online's navigator gives), laid
out by the engine's graph layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from engine import params as prm
from engine.graph import GraphInputError
from engine.graph.cluster import Clustering, cluster
from engine.graph.data import Graph, Vectors
from engine.graph.layout import UMAP_LIMIT, layout, umap_available
from engine.graph.readers import LFR_DEFAULTS, load
from engine.graph.search import Finder
from engine.graph.tasks import ClusterParams, EmbedParams, run_embed
from engine.params import param
from engine.tasks import TaskContext
from engine.text.vectors import Embedding

MAP_METHODS = ("auto", "umap", "pca")
UMAP_LEAST = 16  # UMAP's 15 neighbours need more items than that


@dataclass(frozen=True)
class LfrParams:
    """The LFR generator's settings (networkx's names) as the bench's form shows them."""

    n: int = param(LFR_DEFAULTS["n"], "number of nodes", minimum=50, maximum=100_000)
    mu: float = param(LFR_DEFAULTS["mu"], "mixing: each node's share of links leaving its community "
                      "(InfoMap loses the planted communities near 0.6)", minimum=0.0, maximum=1.0,
                      slider=(0.0, 1.0), label="μ (mixing)")
    average_degree: int = param(LFR_DEFAULTS["average_degree"], "mean degree", minimum=1, maximum=10_000)
    max_degree: int = param(LFR_DEFAULTS["max_degree"], "largest degree", minimum=1, maximum=10_000)
    min_community: int = param(LFR_DEFAULTS["min_community"], "smallest community", minimum=1, maximum=100_000)
    max_community: int = param(LFR_DEFAULTS["max_community"], "largest community", minimum=1, maximum=100_000)
    tau1: float = param(LFR_DEFAULTS["tau1"], "power-law exponent of the degrees", minimum=1.01, maximum=10.0,
                        label="τ1 (degrees)")
    tau2: float = param(LFR_DEFAULTS["tau2"], "power-law exponent of the community sizes", minimum=1.01,
                        maximum=10.0, label="τ2 (communities)")
    seed: int = param(LFR_DEFAULTS["seed"], "the generator's seed", minimum=0)


def lfr_source(p: LfrParams) -> str:
    """The name the engine's reader takes: ``lfr:n=1000,mu=0.3,…``."""
    return "lfr:" + ",".join(f"{k}={v}" for k, v in prm.to_dict(p).items())


@dataclass
class Explored:
    """A clustering with what the bench explores it by: the map, a name index and, for
    vectors, a nearest-neighbour finder."""

    result: Clustering
    coords: np.ndarray  # (n, 2)
    map_method: str
    source: str
    images: np.ndarray | None = None
    finder: Finder | None = None
    index: dict[str, int] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return self.result.graph.names

    @property
    def vectors(self) -> Vectors | None:
        return self.result.vectors


def explore(source: str | Vectors | Graph, p: ClusterParams, ctx: TaskContext) -> Explored:
    """Read ``source`` (a name or data already in memory), cluster it and lay out a first map:
    PCA for vectors (instant; UMAP follows in :func:`umap_map`), the graph layout for graphs."""
    if isinstance(source, (Vectors, Graph)):
        data, name = source, getattr(source, "source", "") or getattr(source, "method", "")
    else:
        ctx.progress(0, None, f"reading {source}")
        data, name = load(source, ctx=ctx), source
    result = cluster(data, p.method, p.k, p.min_sim, p.directed, p.levels, p.teleport, p.trials, p.seed, ctx=ctx)
    ctx.checkpoint()
    ctx.progress(0, None, "laying out the map")
    coords, how = layout(data, "pca", p.seed) if isinstance(data, Vectors) else layout(data, seed=p.seed)
    ctx.checkpoint()
    vectors = data if isinstance(data, Vectors) else None
    finder = Finder(vectors, result.tree) if vectors is not None else None
    index = finder.index if finder is not None else {n: i for i, n in enumerate(result.graph.names)}
    return Explored(result, coords, how, name, vectors.images if vectors is not None else None, finder, index)


def wants_umap(method: str, n: int) -> bool:
    """UMAP when asked for, or for ``auto`` when installed and the set is not too large (the engine's rule)."""
    if n < UMAP_LEAST:
        return False
    return method == "umap" or (method == "auto" and umap_available() and n <= UMAP_LIMIT)


def umap_coords(vectors: Vectors, seed: int, report=None) -> np.ndarray:
    """The worker's job: the engine's UMAP layout."""
    if report is not None:
        report(0, None, f"UMAP of {len(vectors):,} items")
    coords, _ = layout(vectors, "umap", seed)
    return coords


def umap_map(vectors: Vectors, seed: int, ctx: TaskContext) -> np.ndarray:
    """UMAP in a spawned worker process: it has no checkpoints and holds the GIL in numba
    code for long stretches, so a thread would freeze the window and could not be cancelled;
    Cancel ends the process at once."""
    from engine.graph.worker import Worker

    worker = Worker(preload=("umap",))
    worker.send(umap_coords, Vectors(vectors.names, vectors.matrix, source=vectors.source), seed)
    return np.asarray(worker.wait(ctx, "UMAP"), np.float32)


def train_vectors(corpus: str, p: EmbedParams, ctx: TaskContext) -> Embedding:
    if not corpus:
        raise GraphInputError("Pick a corpus to train word vectors on (Open… beside the corpus box).")
    return run_embed(replace(p, corpus=corpus), ctx)


# -- looking things up ---------------------------------------------------------------

def find(e: Explored, text: str) -> int:
    """The item called ``text``: exactly, else ignoring case."""
    text = text.strip()
    if text in e.index:
        return e.index[text]
    folded = text.casefold()
    for i, name in enumerate(e.names):
        if name.casefold() == folded:
            return i
    raise GraphInputError(f"{text!r} is not among the {len(e.names):,} items")


def neighbours(e: Explored, item: int, k: int = 10) -> tuple[np.ndarray, pd.DataFrame]:
    """The item's nearest neighbours: by cosine over all items when there are vectors, else
    its linked nodes by the summed weight of their links either way.  Returns their indices
    and a table (name, cosine or weight, module path, module name)."""
    tree = e.result.tree
    if e.finder is not None:
        found = e.finder.nearest(item, k)
        idx = np.array([f.index for f in found], np.int64)
        score, label = np.array([f.cosine for f in found]), "cosine"
    else:
        g = e.result.graph
        s, t, w = g.source, g.target, g.weight  # an undirected edge is stored once
        other = np.concatenate([t[s == item], s[t == item]])
        weight = np.concatenate([w[s == item], w[t == item]])
        keep = other != item
        ids, inverse = np.unique(other[keep], return_inverse=True)
        summed = np.bincount(inverse, weight[keep], len(ids))
        order = np.lexsort((ids, -summed))[:k]
        idx, score, label = ids[order].astype(np.int64), summed[order], "weight"
    leaf = tree.leaf_module[idx]
    frame = pd.DataFrame({"name": [e.names[i] for i in idx], label: np.round(score, 4),
                          "module": [tree.path_text(int(m)) for m in leaf],
                          "module name": [tree.names[int(m)] for m in leaf]})
    return idx, frame


def members_of(e: Explored, module: int) -> np.ndarray:
    """Items inside ``module`` at any depth (unordered; cheaper than the tree's flow order)."""
    tree = e.result.tree
    return np.flatnonzero(tree.ancestors[tree.leaf_module, len(tree.path[module]) - 1] == module)


# -- a module's subgraph -------------------------------------------------------------------

@dataclass
class ModuleView:
    """Nodes: the module's top members by flow, then its most linked neighbouring modules
    (modules at the same depth, or an item's innermost module where the tree is shallower)."""

    labels: list[str]
    pos: np.ndarray       # (nodes, 2)
    edges: np.ndarray     # (links, 2) node numbers
    items: np.ndarray     # item of each member node, −1 for a module node
    modules: np.ndarray   # module of each module node, −1 for a member node
    flow: np.ndarray      # visit rate of a member, flow share of a module
    size: int             # members in the module
    outside: float        # share of the members' link weight that leaves the module


def module_view(result: Clustering, module: int, max_members: int = 120, max_modules: int = 8,
                seed: int = 1) -> ModuleView:
    tree, g = result.tree, result.graph
    members = tree.members(module)
    shown = members[:max_members]
    local = np.full(g.n, -1, np.int64)
    local[shown] = np.arange(len(shown))
    inside = np.zeros(g.n, bool)
    inside[members] = True
    s, t, w = g.source, g.target, g.weight
    within = (local[s] >= 0) & (local[t] >= 0) & (s != t)
    leaves, enters = inside[s] & ~inside[t], ~inside[s] & inside[t]
    touching = (inside[s] | inside[t]) & (s != t)
    outside = float(w[leaves | enters].sum() / max(w[touching].sum(), 1e-300))
    fwd, back = (local[s] >= 0) & ~inside[t], ~inside[s] & (local[t] >= 0)
    member = np.concatenate([local[s[fwd]], local[t[back]]])
    other = np.concatenate([t[fwd], s[back]])
    ow = np.concatenate([w[fwd], w[back]])
    leaf = tree.leaf_module[other]
    depth = len(tree.path[module])
    neighbour = tree.ancestors[leaf, np.minimum(depth, tree.depth[leaf]) - 1]
    mods, inverse = np.unique(neighbour, return_inverse=True)
    total = np.bincount(inverse, ow, len(mods))
    kept = np.lexsort((mods, -total))[:max_modules]
    slot = np.full(len(mods), -1, np.int64)
    slot[kept] = np.arange(len(kept))
    use = slot[inverse] >= 0
    pairs = member[use] * (len(kept) + 1) + slot[inverse[use]]
    pair_ids, pair_inv = np.unique(pairs, return_inverse=True)
    pair_w = np.bincount(pair_inv, ow[use], len(pair_ids))
    out_edges = np.column_stack([pair_ids // (len(kept) + 1), len(shown) + pair_ids % (len(kept) + 1)])
    edges = np.concatenate([np.column_stack([local[s[within]], local[t[within]]]), out_edges]).astype(np.int64)
    weight = np.concatenate([w[within], pair_w])
    count = len(shown) + len(kept)
    module_ids = mods[kept]
    small = Graph([str(i) for i in range(count)], edges[:, 0], edges[:, 1], weight, False)
    pos, _ = layout(small, seed=seed)
    labels = [result.graph.names[i] for i in shown] + \
             [f"module {tree.path_text(int(m))}: {tree.names[int(m)]}" for m in module_ids]
    return ModuleView(labels, pos, edges, np.concatenate([shown, np.full(len(kept), -1)]),
                      np.concatenate([np.full(len(shown), -1), module_ids]),
                      np.concatenate([tree.item_flow[shown], tree.flow[module_ids]]), len(members), outside)
