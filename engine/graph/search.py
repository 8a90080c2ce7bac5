"""An item's nearest neighbours by cosine, with their modules (the Embedding Projector's
search box), over all items — not only the kNN graph's links."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.graph import GraphInputError
from engine.graph.data import Vectors
from engine.graph.tree import ModuleTree


@dataclass(frozen=True)
class Neighbour:
    index: int
    name: str
    cosine: float
    module: str  # the module path, "" without a tree


class Finder:
    """Holds the unit vectors and a name index, so each query is one matrix-vector product."""

    def __init__(self, vectors: Vectors, tree: ModuleTree | None = None) -> None:
        self.vectors, self.tree = vectors, tree
        self.unit = vectors.unit()
        self.index = {name: i for i, name in enumerate(vectors.names)}

    def find(self, name: str) -> int:
        """The item called ``name`` (exactly, else ignoring case)."""
        if name in self.index:
            return self.index[name]
        folded = name.casefold()
        for i, other in enumerate(self.vectors.names):
            if other.casefold() == folded:
                return i
        raise GraphInputError(f"{name!r} is not among the {len(self.index):,} items")

    def module(self, item: int) -> str:
        return "" if self.tree is None else self.tree.path_text(int(self.tree.leaf_module[item]))

    def nearest(self, query: str | int, k: int = 10) -> list[Neighbour]:
        """The ``k`` items most similar to ``query`` (a name or an index), itself excluded."""
        item = self.find(query) if isinstance(query, str) else int(query)
        sims = self.unit @ self.unit[item]
        sims[item] = -np.inf
        k = min(k, len(sims) - 1)
        best = np.argpartition(-sims, k - 1)[:k] if k > 0 else np.zeros(0, np.int64)
        best = best[np.argsort(-sims[best], kind="stable")]
        return [Neighbour(int(i), self.vectors.names[i], float(sims[i]), self.module(int(i))) for i in best]
