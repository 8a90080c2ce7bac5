"""A module tree: nested modules over the items, as InfoMap's multilevel result (or a
two-level partition from any method), with what the bench shows of each module — its
level, flow share, size and a name made of its top members by flow.

Modules are numbered 0…M-1 in depth-first order of the tree; siblings are ranked by flow
(largest first) and a module's ``path`` is its 1-based ranks from the top, as in
Infomap's ``.tree`` files ("2:1" is the largest submodule of the second top module).
Every module holds either modules or items, as InfoMap's do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

NAME_MEMBERS = 3


@dataclass
class ModuleTree:
    parent: np.ndarray          # (M,) parent module, −1 for a top module
    leaf_module: np.ndarray     # (n,) the innermost module of each item
    path: list[tuple[int, ...]]  # (M,) 1-based ranks from the top
    flow: np.ndarray            # (M,) flow share (sum of its items' visit rates)
    size: np.ndarray            # (M,) number of items inside
    names: list[str]            # (M,) top members by flow, comma separated
    rank: np.ndarray            # (n,) 1-based rank of each item by flow within its module
    item_flow: np.ndarray       # (n,) visit rate of each item
    ancestors: np.ndarray       # (M, D) the module's ancestor at each depth (itself at its own), −1 below

    @property
    def num_modules(self) -> int:
        return len(self.parent)

    @property
    def depth(self) -> np.ndarray:
        """(M,) 1 for a top module."""
        return (self.ancestors >= 0).sum(axis=1)

    @property
    def levels(self) -> int:
        """Levels of the tree counting the items' level, as the ``infomap`` package counts them
        (a two-level partition has 2)."""
        return int(self.depth[self.leaf_module].max()) + 1

    @property
    def top(self) -> np.ndarray:
        """(n,) the 1-based number of each item's top module."""
        return np.array([p[0] for p in self.path], np.int64)[self.ancestors[self.leaf_module, 0]]

    @property
    def num_top(self) -> int:
        return int((self.parent < 0).sum())

    def children(self, module: int) -> np.ndarray:
        return np.flatnonzero(self.parent == module)

    def members(self, module: int) -> np.ndarray:
        """Items inside ``module`` (at any depth), largest flow first."""
        inside = np.flatnonzero(self.ancestors[self.leaf_module, len(self.path[module]) - 1] == module)
        return inside[np.lexsort((inside, -self.item_flow[inside]))]

    def path_text(self, module: int) -> str:
        return ":".join(map(str, self.path[module]))

    def item_path(self, item: int) -> str:
        """The full path of an item, its module's path then its rank (Infomap's ``.tree`` path)."""
        return f"{self.path_text(int(self.leaf_module[item]))}:{int(self.rank[item])}"

    def two_level(self) -> np.ndarray:
        """(n,) 0-based top module of each item."""
        return self.top - 1


def build_tree(module_paths: Sequence[Sequence[int]] | np.ndarray, node_flow: np.ndarray,
               item_names: Sequence[str]) -> ModuleTree:
    """The tree whose item i sits in the nested modules ``module_paths[i]`` (any ids, outermost
    first; a 1-D array is a two-level partition), ranked by ``node_flow``."""
    if isinstance(module_paths, np.ndarray) and module_paths.ndim == 1:
        keys = [(int(m),) for m in module_paths]
    else:
        keys = [tuple(int(m) for m in p) for p in module_paths]
    n = len(keys)
    node_flow = np.asarray(node_flow, np.float64)
    prefix_id: dict[tuple, int] = {}
    parent_of: list[int] = []
    leaf = np.empty(n, np.int64)
    for i, key in enumerate(keys):
        up = -1
        for d in range(1, len(key) + 1):
            p = key[:d]
            if p not in prefix_id:
                prefix_id[p] = len(parent_of)
                parent_of.append(up)
            up = prefix_id[p]
        leaf[i] = up
    raw_parent = np.array(parent_of, np.int64)
    m = len(raw_parent)
    flow = np.zeros(m)
    size = np.zeros(m, np.int64)
    np.add.at(flow, leaf, node_flow)
    np.add.at(size, leaf, 1)
    order = _postorder(raw_parent)
    for mod in order:  # children before parents
        if raw_parent[mod] >= 0:
            flow[raw_parent[mod]] += flow[mod]
            size[raw_parent[mod]] += size[mod]
    # depth-first renumbering, siblings by flow (then by first appearance)
    kids: dict[int, list[int]] = {}
    for mod in range(m):
        kids.setdefault(int(raw_parent[mod]), []).append(mod)
    new_id = np.empty(m, np.int64)
    path: list[tuple[int, ...]] = []
    parent = np.empty(m, np.int64)
    stack = [(c, (r,), -1) for r, c in reversed(list(enumerate(_by_flow(kids.get(-1, []), flow), 1)))]
    while stack:
        mod, rank_path, up = stack.pop()
        new_id[mod] = len(path)
        path.append(rank_path)
        parent[new_id[mod]] = up
        ordered = list(enumerate(_by_flow(kids.get(mod, []), flow), 1))
        stack.extend((c, rank_path + (r,), new_id[mod]) for r, c in reversed(ordered))
    inverse = np.argsort(new_id)
    flow, size = flow[inverse], size[inverse]
    leaf = new_id[leaf]
    depth = max(len(p) for p in path)
    ancestors = np.full((m, depth), -1, np.int64)
    for mod, p in enumerate(path):
        a = mod
        for d in range(len(p) - 1, -1, -1):
            ancestors[mod, d] = a
            a = parent[a]
    rank = _ranks(leaf, node_flow)
    tree = ModuleTree(parent, leaf, path, flow, size, [""] * m, rank, node_flow, ancestors)
    tree.names = _names(tree, node_flow, item_names)
    return tree


def _by_flow(mods: list[int], flow: np.ndarray) -> list[int]:
    return sorted(mods, key=lambda c: (-flow[c], c))


def _postorder(parent: np.ndarray) -> list[int]:
    depth = np.zeros(len(parent), np.int64)
    for mod in range(len(parent)):  # parents are created before their children
        depth[mod] = depth[parent[mod]] + 1 if parent[mod] >= 0 else 0
    return list(np.argsort(-depth, kind="stable"))


def _ranks(leaf: np.ndarray, node_flow: np.ndarray) -> np.ndarray:
    order = np.lexsort((np.arange(len(leaf)), -node_flow, leaf))
    rank = np.empty(len(leaf), np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(leaf[order])) + 1]
    position = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank[order] = position + 1
    return rank


def _names(tree: ModuleTree, node_flow: np.ndarray, item_names: Sequence[str]) -> list[str]:
    """Each module's top ``NAME_MEMBERS`` items by flow, depth by depth with one sort each."""
    names = [""] * tree.num_modules
    by_flow = np.lexsort((np.arange(len(node_flow)), -node_flow))
    for d in range(tree.ancestors.shape[1]):
        mod = tree.ancestors[tree.leaf_module[by_flow], d]
        inside = mod >= 0
        items, mods = by_flow[inside], mod[inside]
        order = np.argsort(mods, kind="stable")  # flow order kept within a module
        items, mods = items[order], mods[order]
        starts = np.r_[0, np.flatnonzero(np.diff(mods)) + 1]
        ends = np.r_[starts[1:], len(mods)]
        for s, e in zip(starts, ends):
            names[int(mods[s])] = ", ".join(item_names[int(i)] for i in items[s:min(e, s + NAME_MEMBERS)])
    return names
