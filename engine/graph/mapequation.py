"""The map equation, written here from its definition (SEEDS.md §1.1; Rosvall & Bergstrom
2008, and 2011 for the hierarchical form), so the bench can show our codelength next
to the ``infomap`` package's and the two can be checked against each other.

Two levels:  L(M) = q↷ H(Q) + Σ_i p_i↻ H(P^i), with q_i↷ the flow entering module i
(index codebook) or leaving it (the exit codeword of its own codebook), p_i↻ = q_i↷ +
Σ_{α∈i} p_α.  In bits.  For a hierarchy each module's codebook holds its exit codeword
and either its submodules' enter codewords or its items' codewords, and the root's
index codebook the top modules' enter codewords; two levels is the special case.

Enter and exit flows are summed from the link flows of :mod:`engine.graph.flow` (links
inside a module are not counted; an undirected edge enters and exits both of its ends'
modules with its one-way flow), plus, for recorded teleportation, the jumps leaving a
module, τ-flow·(1 − its teleport share), and landing in it.  Written as sums of p·log p,
the form the package uses, so both round the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.graph.flow import Flow
from engine.graph.tree import ModuleTree


@dataclass(frozen=True)
class Codelength:
    """Bits per step: ``index`` the root's codebook (q↷H(Q) for two levels), ``module`` all the
    modules' codebooks (Σ p_i↻H(P^i)), ``total`` their sum."""

    total: float
    index: float
    module: float


def plogp(x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return np.where(x > 0, x * np.log2(np.where(x > 0, x, 1.0)), 0.0)


def one_module(flow: Flow) -> float:
    """The codelength with every item in one module: the entropy of the visit rates."""
    return float(-plogp(flow.node).sum())


def enter_exit(flow: Flow, tree: ModuleTree) -> tuple[np.ndarray, np.ndarray]:
    """(M,) flow entering and leaving each module of ``tree``."""
    m = tree.num_modules
    enter, exit_ = np.zeros(m), np.zeros(m)
    anc_s = tree.ancestors[tree.leaf_module[flow.source]]
    anc_t = tree.ancestors[tree.leaf_module[flow.target]]
    for d in range(tree.ancestors.shape[1]):
        a, b = anc_s[:, d], anc_t[:, d]
        cross = a != b
        out_s, in_t = cross & (a >= 0), cross & (b >= 0)
        exit_ += np.bincount(a[out_s], flow.link[out_s], m)
        enter += np.bincount(b[in_t], flow.link[in_t], m)
        if flow.undirected:  # the same edge walked the other way
            exit_ += np.bincount(b[in_t], flow.link[in_t], m)
            enter += np.bincount(a[out_s], flow.link[out_s], m)
    if flow.tele_flow is not None:
        tele_flow, tele_weight = _sum_up(tree, flow.tele_flow), _sum_up(tree, flow.tele_weight)
        enter += (flow.tele_flow.sum() - tele_flow) * tele_weight
        exit_ += tele_flow * (1 - tele_weight)
    return enter, exit_


def codelength(flow: Flow, tree: ModuleTree) -> Codelength:
    enter, exit_ = enter_exit(flow, tree)
    top = tree.parent < 0
    index = float(plogp(enter[top].sum()) - plogp(enter[top]).sum())
    has_children = np.zeros(tree.num_modules, bool)
    has_children[tree.parent[~top]] = True
    child_enter = np.bincount(tree.parent[~top], enter[~top], tree.num_modules)
    node_terms = np.bincount(tree.leaf_module, plogp(flow.node), tree.num_modules)
    child_terms = np.bincount(tree.parent[~top], plogp(enter[~top]), tree.num_modules)
    module_flow = _sum_up(tree, flow.node)
    book = np.where(has_children, plogp(exit_ + child_enter) - child_terms,
                    plogp(exit_ + module_flow) - node_terms) - plogp(exit_)
    module = float(book.sum())
    return Codelength(index + module, index, module)


def _sum_up(tree: ModuleTree, per_item: np.ndarray) -> np.ndarray:
    """(M,) the sum of ``per_item`` over each module's items, at every depth."""
    total = np.zeros(tree.num_modules)
    for d in range(tree.ancestors.shape[1]):
        a = tree.ancestors[tree.leaf_module, d]
        total += np.bincount(a[a >= 0], per_item[a >= 0], tree.num_modules)
    return total
