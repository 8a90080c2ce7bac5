"""The result's figures as the bench words them: what was clustered, how well it matches
the labels, and the map equation's codelength — ours, term by term, beside the
``infomap`` package's figure (they must agree), and the one-module code for contrast."""

from __future__ import annotations

from html import escape

from engine.graph.cluster import Clustering
from gui.benches.clusters.jobs import Explored

AGREE_BITS = 1e-6


def summary_text(e: Explored) -> str:
    r = e.result
    g, tree = r.graph, r.tree
    made = "kNN graph" if r.vectors is not None else "graph"
    text = (f"<b>{escape(e.source)}</b>: {g.n:,} items, {g.num_links:,} links ({made}: {escape(g.method)}); "
            f"flow {escape(r.flow.model)}.<br><b>{r.method}</b>: {tree.num_top:,} top modules, "
            f"{tree.num_modules:,} in all, {tree.levels} levels.")
    if r.nmi is not None:
        text += f"<br>Against the labels: <b>NMI {r.nmi:.3f}</b>, <b>ARI {r.ari:.3f}</b>."
    seconds = ", ".join(f"{k} {v:.2f} s" for k, v in r.seconds.items())
    return text + f"<br><span style='color:gray'>{seconds}</span>"


def codelength_table(r: Clustering) -> str:
    """Bits per step of the random walk, as rich text."""
    ours = r.ours
    gap = abs(ours.total - r.codelength)
    index = "index codebook q↷H(Q)" if r.tree.levels <= 2 else "index codebook (top level)"
    rows = [(index, f"{ours.index:.6f}", ""),
            ("module codebooks Σ p↻H(Pⁱ)", f"{ours.module:.6f}", ""),
            ("<b>L(M)</b>", f"<b>{ours.total:.6f}</b>", f"<b>{r.codelength:.6f}</b>"),
            ("one module", f"{r.one_module:.6f}", "")]
    num = "align='right' style='padding-left:12px'"  # figure columns apart, rows kept tight
    cells = "".join(f"<tr><td>{a}</td><td {num}>{b}</td><td {num}>{c}</td></tr>" for a, b, c in rows)
    verdict = "agree" if gap <= AGREE_BITS else "<span style='color:#b00'>DIFFER</span>"
    saving = 1 - ours.total / r.one_module if r.one_module > 0 else 0.0
    return (f"<b>Map equation</b> (bits per step)<table cellspacing='2'><tr><td></td><td {num}><i>ours</i>"
            f"</td><td {num}><i>infomap</i></td></tr>{cells}</table>"
            f"Ours and the package's {verdict} (|Δ| = {gap:.1e} bits); the modules save {100 * saving:.1f}% "
            f"of the one-module code.")
