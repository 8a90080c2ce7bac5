"""The flow of a random walker on a graph: visit rates p_α of the nodes and the flow on each
link — what the map equation encodes (SEEDS.md §1.1), computed here by our own code so
the codelength we show does not come from the package it is compared with.

Flow models, as the ``infomap`` package defines them (read in its ``FlowCalculator``):

* **undirected**: p_α = s_α / 2W (s the weighted degree, W the total weight); each edge
  carries w / 2W each way, so a module exits with q↷ = cut / 2W (§1.4).  τ plays no part.
* **directed**: PageRank by power iteration with teleportation τ: the walker follows an
  out-link with probability 1 − τ (w / out-weight), otherwise — and always from a node
  without out-links — jumps to a node drawn from the teleport distribution: uniform
  (``to_nodes``) or proportional to the links' weight ("teleportation to links", the
  package's default: by out-weight, or by in-weight when recorded).

  *Unrecorded* teleportation (the package's default, and what the author's Infomap 0.x
  ran with ``--directed``): jumps are not coded; the link flows are p_u·w/out-weight,
  normalised over the steps that follow links, and p is one such step.  *Recorded*: the
  jumps are coded, link flows carry the factor 1 − τ and a module's exit flow gains the
  teleportation leaving it — the author's exit formula in §1.1 when teleporting to nodes
  and no node is dangling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.graph.data import Graph

TOLERANCE = 1e-15  # the package's flow tolerance (L1 change per iteration)
MIN_ITERATIONS = 50
MAX_ITERATIONS = 10_000


@dataclass
class Flow:
    """``node`` p_α (sums to 1); ``link`` the flow of each stored link ``source → target``.
    For an undirected flow each link is an edge and ``link`` its flow in one direction.
    ``tele_flow`` / ``tele_weight``: where recorded teleportation leaves and lands (else None)."""

    node: np.ndarray
    source: np.ndarray
    target: np.ndarray
    link: np.ndarray
    undirected: bool
    model: str
    tele_flow: np.ndarray | None = None
    tele_weight: np.ndarray | None = None
    iterations: int = 0


def compute_flow(graph: Graph, directed: bool = True, teleport: float = 0.15, recorded: bool = False,
                 to_nodes: bool = False) -> Flow:
    if not directed:
        return _undirected(graph)
    return _directed(graph.n, *graph.one_way(), teleport, recorded, to_nodes)


def _undirected(graph: Graph) -> Flow:
    s, t, w = graph.source, graph.target, graph.weight
    n = graph.n
    loop = s == t
    strength = np.bincount(s, w, n) + np.bincount(t[~loop], w[~loop], n)  # a self-link counts once
    total = strength.sum()
    if total <= 0:
        return Flow(np.full(n, 1.0 / n), s, t, np.zeros(len(s)), True, "undirected")
    return Flow(strength / total, s, t, w / total, True, "undirected")


def _directed(n: int, s: np.ndarray, t: np.ndarray, w: np.ndarray, tau: float, recorded: bool,
              to_nodes: bool) -> Flow:
    import scipy.sparse as sp

    out_weight = np.bincount(s, w, n)
    dangling = out_weight == 0
    total = w.sum()
    if to_nodes:
        tele = np.full(n, 1.0 / n)
    elif total > 0:
        tele = np.bincount(t if recorded else s, w, n) / total
    else:
        tele = np.full(n, 1.0 / n)
    prob = w / np.where(out_weight > 0, out_weight, 1.0)[s]
    step = sp.csr_matrix((prob, (t, s)), shape=(n, n))  # p_next[t] += prob · p[s]
    p = np.full(n, 1.0 / n)
    iterations = 0
    while True:
        dangling_rank = p[dangling].sum()
        new = (tau + (1 - tau) * dangling_rank) * tele + (1 - tau) * (step @ p)
        error = np.abs(new - p).sum()
        p = new / new.sum()
        iterations += 1
        if iterations >= MAX_ITERATIONS or (error <= TOLERANCE and iterations >= MIN_ITERATIONS):
            break
    kind = f"directed, {'recorded' if recorded else 'unrecorded'} teleportation to {'nodes' if to_nodes else 'links'}"
    if recorded:
        tele_flow = np.where(dangling, p, tau * p)
        return Flow(p, s, t, (1 - tau) * prob * p[s], False, kind, tele_flow, tele, iterations)
    link = prob * p[s] / (1 - p[dangling].sum())
    return Flow(np.bincount(t, link, n), s, t, link, False, kind, iterations=iterations)
