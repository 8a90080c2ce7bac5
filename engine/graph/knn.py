"""The author's similarity graph (SEEDS.md §1.3, ``bojone/infomap/word_cluster.py``): each
item's top-k neighbours by cosine (k = 40), kept while the cosine is ≥ 0.5, as directed
links u → v weighted by the cosine.  His loop asks gensim's ``most_similar(u, topn=40)``
one word at a time; here whole blocks of rows go through one matrix product.

* ``exact`` (up to ``EXACT_LIMIT`` items): brute force in torch, a block of rows against
  all rows, ``topk`` per row, the item itself excluded by index (so duplicates still
  find each other).  Blocks are sized to ~64 MiB of similarities.
* ``faiss-hnsw`` (above): an HNSW index on inner products of the unit vectors (faiss).
  faiss rather than pynndescent because it compiles nothing at run time (pynndescent's
  numba start-up costs tens of seconds), its memory is predictable, and it adds and
  searches in chunks, so progress and Cancel work between chunks; pynndescent builds
  in one opaque call.  HNSW recall at efSearch ≥ 2k is above 0.99 on such data.
"""

from __future__ import annotations

import numpy as np

from engine.graph import GraphInputError
from engine.graph.data import Graph, Vectors
from engine.tasks import TaskContext

EXACT_LIMIT = 50_000
METHODS = ("auto", "exact", "faiss-hnsw")
BLOCK_BYTES = 64 << 20
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
CHUNK = 10_000


def choose_method(n: int, method: str = "auto") -> str:
    if method not in METHODS:
        raise GraphInputError(f"unknown kNN method {method!r}; choose one of {', '.join(METHODS)}")
    if method != "auto":
        return method
    return "exact" if n <= EXACT_LIMIT else "faiss-hnsw"


def knn_graph(vectors: Vectors, k: int = 40, min_sim: float = 0.5, method: str = "auto",
              ctx: TaskContext | None = None) -> Graph:
    """Directed links from each item to its ≤ k most similar others with cosine ≥ ``min_sim``.
    ``Graph.method`` names the search used."""
    ctx = ctx or TaskContext()
    n = len(vectors)
    if n < 2:
        raise GraphInputError(f"{vectors.source or 'vectors'}: {n} item(s); a graph needs at least two")
    if k < 1:
        raise GraphInputError(f"k must be at least 1; got {k}")
    method = choose_method(n, method)
    unit = vectors.unit()
    kk = min(k, n - 1)
    search = _exact if method == "exact" else _hnsw
    sims, idx = search(unit, kk, ctx)
    keep = (sims >= min_sim) & (idx >= 0)
    rows = np.broadcast_to(np.arange(n)[:, None], idx.shape)
    return Graph(list(vectors.names), rows[keep].astype(np.int64), idx[keep].astype(np.int64),
                 sims[keep].astype(np.float64), True, vectors.labels, method)


def _exact(unit: np.ndarray, k: int, ctx: TaskContext) -> tuple[np.ndarray, np.ndarray]:
    import torch

    n = len(unit)
    x = torch.from_numpy(np.ascontiguousarray(unit))
    block = max(1, min(n, BLOCK_BYTES // (4 * n)))
    sims = np.empty((n, k), np.float32)
    idx = np.empty((n, k), np.int64)
    with torch.no_grad():
        for start in range(0, n, block):
            ctx.checkpoint()
            end = min(n, start + block)
            s = x[start:end] @ x.T
            s[torch.arange(end - start), torch.arange(start, end)] = -float("inf")
            v, i = torch.topk(s, k, dim=1)
            sims[start:end], idx[start:end] = v.numpy(), i.numpy()
            ctx.progress(end, n, f"neighbours of {end:,} / {n:,} items (exact)")
    return sims, idx


def _hnsw(unit: np.ndarray, k: int, ctx: TaskContext) -> tuple[np.ndarray, np.ndarray]:
    import faiss

    n, d = unit.shape
    index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    unit = np.ascontiguousarray(unit, np.float32)
    for start in range(0, n, CHUNK):
        ctx.checkpoint()
        index.add(unit[start:start + CHUNK])
        ctx.progress(min(n, start + CHUNK), 2 * n, f"indexing {min(n, start + CHUNK):,} / {n:,} items (HNSW)")
    index.hnsw.efSearch = max(128, 2 * k)
    sims = np.empty((n, k), np.float32)
    idx = np.empty((n, k), np.int64)
    for start in range(0, n, CHUNK):
        ctx.checkpoint()
        end = min(n, start + CHUNK)
        v, i = index.search(unit[start:end], k + 1)
        sims[start:end], idx[start:end] = _drop_self(v, i, np.arange(start, end), k)
        ctx.progress(n + end, 2 * n, f"neighbours of {end:,} / {n:,} items (HNSW)")
    return sims, idx


def _drop_self(v: np.ndarray, i: np.ndarray, own: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of k + 1 results without the query itself (or without the last, when the
    index did not return the query)."""
    is_self = i == own[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones_like(i, bool)
    keep[np.arange(len(i)), drop] = False
    return v[keep].reshape(len(i), k), i[keep].reshape(len(i), k)
