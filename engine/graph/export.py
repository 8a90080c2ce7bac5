"""The Clusters bench's files, all written through :mod:`engine.io` (atomic: a failed write
leaves any earlier file as it was).

* modules TSV: ``name<TAB>top module<TAB>full path`` per item, in input order (the full
  path is Infomap's: module ranks then the item's rank by flow, "2:1:7");
* the tree as JSON (codelengths, then nested modules with path, flow, size, name and,
  for innermost modules, members by flow);
* Infomap's ``.tree`` (``path flow "name" node_id``, depth first) and ``.clu``
  (``node_id module flow``, top modules) formats;
* the graph as an edge list (``source,target,weight`` by name; TAB-separated for .tsv);
* vectors in word2vec text (or binary) format, through gensim.  word2vec files cannot
  hold a space inside a name, so whitespace in names becomes ``_``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np

from engine.graph.cluster import Clustering
from engine.graph.data import Graph, Vectors
from engine.io import atomic_open, atomic_path, write_json

_SPACE = re.compile(r"\s")


def _clean(name: str) -> str:
    return _SPACE.sub(" ", name)


def write_modules_tsv(result: Clustering, path: Path | str) -> None:
    tree, names = result.tree, result.graph.names
    top = tree.top
    with atomic_open(path, "w") as f:
        for i, name in enumerate(names):
            f.write(f"{_clean(name)}\t{top[i]}\t{tree.item_path(i)}\n")


def tree_dict(result: Clustering) -> dict[str, Any]:
    tree, names = result.tree, result.graph.names

    def node(m: int) -> dict[str, Any]:
        out: dict[str, Any] = {"path": tree.path_text(m), "flow": float(tree.flow[m]), "size": int(tree.size[m]),
                               "name": tree.names[m]}
        kids = tree.children(m)
        if len(kids):
            out["modules"] = [node(int(c)) for c in kids]
        else:
            out["members"] = [names[i] for i in tree.members(m)]
        return out

    return {"method": result.method, "codelength": result.codelength, "codelength_ours": result.ours.total,
            "index_codelength": result.ours.index, "module_codelength": result.ours.module,
            "one_module_codelength": result.one_module, "levels": tree.levels, "flow_model": result.flow.model,
            "graph": result.graph.method, "modules": [node(int(m)) for m in np.flatnonzero(tree.parent < 0)]}


def write_tree_json(result: Clustering, path: Path | str) -> None:
    write_json(path, tree_dict(result))


def write_infomap_tree(result: Clustering, path: Path | str) -> None:
    tree, names = result.tree, result.graph.names
    order = np.lexsort((tree.rank, tree.leaf_module))  # modules are numbered depth first
    with atomic_open(path, "w") as f:
        f.write(f"# codelength {result.codelength:.10g} bits (ours {result.ours.total:.10g}), {result.method}\n")
        f.write("# path flow name node_id\n")
        for i in order:
            name = _clean(names[i]).replace('"', "'")
            f.write(f'{tree.item_path(int(i))} {tree.item_flow[i]:.10g} "{name}" {int(i)}\n')


def write_clu(result: Clustering, path: Path | str) -> None:
    tree = result.tree
    top = tree.top
    with atomic_open(path, "w") as f:
        f.write(f"# codelength {result.codelength:.10g} bits, {result.method}; top modules\n")
        f.write("# node_id module flow\n")
        for i in range(len(top)):
            f.write(f"{i} {top[i]} {tree.item_flow[i]:.10g}\n")


def write_edges(graph: Graph, path: Path | str) -> None:
    sep = "\t" if str(path).lower().endswith(".tsv") else ","
    names = [_clean(n) for n in graph.names]
    with atomic_open(path, "w", newline="") as f:
        out = csv.writer(f, delimiter=sep, lineterminator="\n")
        out.writerow(["source", "target", "weight"])
        out.writerows((names[s], names[t], f"{w:.8g}") for s, t, w in
                      zip(graph.source.tolist(), graph.target.tolist(), graph.weight.tolist()))


def write_word2vec(vectors: Vectors, path: Path | str, binary: bool | None = None) -> None:
    """word2vec format; binary when ``binary`` or, if None, when the name ends in ``.bin``."""
    from gensim.models import KeyedVectors

    binary = str(path).lower().endswith(".bin") if binary is None else binary
    kv = KeyedVectors(vectors.matrix.shape[1], dtype=np.float32)
    kv.add_vectors([_SPACE.sub("_", n) or "_" for n in vectors.names], vectors.matrix.astype(np.float32))
    with atomic_path(path) as tmp:
        kv.save_word2vec_format(str(tmp), binary=binary)
