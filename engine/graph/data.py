"""The two things every source of the Clusters bench yields: vectors (named, maybe
labelled) or a weighted graph.  Plain numpy arrays, so a graph of 100k nodes and
4M links stays a few arrays and never a Python object per link."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Vectors:
    """``matrix`` (n, d) float32, one row per name; ``labels`` (n,) when known;
    ``images`` (n, h, w) for sets whose items are pictures (digits), for hovering."""

    names: list[str]
    matrix: np.ndarray
    labels: np.ndarray | None = None
    source: str = ""
    images: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.names)

    def unit(self) -> np.ndarray:
        """Rows scaled to unit length (a zero row stays zero: it has no direction)."""
        norms = np.linalg.norm(self.matrix, axis=1, keepdims=True)
        return (self.matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32, copy=False)


@dataclass
class Graph:
    """Links ``source[i] → target[i]`` with ``weight[i]`` > 0 between nodes 0…n-1.
    ``directed`` False: each link is one undirected edge.  ``method`` says how the
    links were made (a file's name, ``exact`` or ``faiss-hnsw`` for a kNN graph)."""

    names: list[str]
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    directed: bool
    labels: np.ndarray | None = None
    method: str = ""

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def num_links(self) -> int:
        return len(self.source)

    def one_way(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The links as one-way links: an undirected graph's edges each way (a self-link once)."""
        s, t, w = self.source, self.target, self.weight
        if self.directed:
            return s, t, w
        loop = s == t
        return np.concatenate([s, t[~loop]]), np.concatenate([t, s[~loop]]), np.concatenate([w, w[~loop]])

    def links(self, directed_flow: bool = False) -> np.ndarray:
        """(m, 3) float64 rows of source, target, weight — what the ``infomap`` package takes;
        for a directed flow, an undirected graph's edges go both ways."""
        s, t, w = self.one_way() if directed_flow else (self.source, self.target, self.weight)
        return np.column_stack([s, t, w]).astype(np.float64)
