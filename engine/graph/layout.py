"""The 2-D map of the items.

Vectors: UMAP (cosine, 15 neighbours) when ``umap-learn`` is installed and there are at
most ``UMAP_LIMIT`` items (its cost grows past what a click should wait for), otherwise
PCA of the unit vectors (sklearn), which always works.  A graph without vectors: igraph's
Fruchterman–Reingold layout up to ``FR_LIMIT`` nodes, DrL above.  The method used is
returned with the coordinates.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from engine.graph.data import Graph, Vectors

UMAP_LIMIT = 50_000
FR_LIMIT = 5_000
METHODS = ("auto", "umap", "pca")


def umap_available() -> bool:
    return importlib.util.find_spec("umap") is not None


def layout(data: Vectors | Graph, method: str = "auto", seed: int = 1) -> tuple[np.ndarray, str]:
    """(n, 2) float32 coordinates and the name of the method that made them."""
    if isinstance(data, Graph):
        return _graph_layout(data, seed)
    if method == "umap" or (method == "auto" and umap_available() and len(data) <= UMAP_LIMIT and len(data) > 15):
        import umap

        coords = umap.UMAP(n_neighbors=15, metric="cosine", random_state=seed).fit_transform(data.unit())
        return np.asarray(coords, np.float32), "umap"
    return pca(data.unit()), "pca"


def pca(matrix: np.ndarray) -> np.ndarray:
    """The first two principal components (zero columns where the data has fewer)."""
    from sklearn.decomposition import PCA

    out = np.zeros((len(matrix), 2), np.float32)
    rank = min(2, matrix.shape[1], len(matrix))
    if rank > 0 and len(matrix) > 1 and np.ptp(matrix, axis=0).any():  # a constant set stays at the origin
        out[:, :rank] = PCA(rank, svd_solver="full" if matrix.shape[1] <= 2 else "auto",
                            random_state=0).fit_transform(matrix)
    return out


def _graph_layout(graph: Graph, seed: int) -> tuple[np.ndarray, str]:
    import random

    import igraph as ig

    g = ig.Graph(n=graph.n, edges=np.column_stack([graph.source, graph.target]).tolist(), directed=False)
    ig.set_random_number_generator(random.Random(seed))
    try:
        if graph.n <= FR_LIMIT:
            coords, name = g.layout_fruchterman_reingold(weights=graph.weight.tolist()), "fruchterman-reingold"
        else:
            coords, name = g.layout_drl(weights=graph.weight.tolist()), "drl"
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(coords.coords, np.float32), name
