"""The Clusters bench's headless verbs, as TaskSpecs:

* ``embed CORPUS --method word2vec|jose --dim 100 --out vectors.txt``
* ``cluster INPUT --out modules.tsv [--json]`` with ``--k 40 --min-sim 0.5
  --directed/--undirected --levels two|multi --teleport 0.15 --trials 1 --seed 1
  --method infomap|leiden|louvain|kmeans``.

Fields left at 0 in :class:`EmbedParams` take the chosen method's reference default
(word2vec: gensim's window 5, 5 epochs, lr 0.025, 5 negatives; JoSE: window 10,
10 epochs, lr 0.04, 2 negatives), so one form serves both methods.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from engine.corpus.counting import TOKENIZERS, Tokenizer
from engine.corpus.readers import KINDS
from engine.graph import GraphInputError, export
from engine.graph.cluster import LEVELS, METHODS, Clustering, cluster
from engine.graph.readers import load
from engine.params import param
from engine.tasks import TaskContext, TaskSpec
from engine.text import vectors as text_vectors

DEFAULTS = {"word2vec": {"window": 5, "epochs": 5, "lr": 0.025, "negative": 5},
            "jose": {"window": 10, "epochs": 10, "lr": 0.04, "negative": 2}}


@dataclass(frozen=True)
class ClusterParams:
    input: str = param("digits", "vectors (word2vec .txt/.bin, .npy, CSV, digits, or a trained VAE, Deep INFOMAX "
                       "or spectra run's folder: its features) or a graph (edge list CSV/TSV, Pajek .net, GraphML, "
                       "karate, lesmis, lfr or lfr:n=1000,mu=0.3)", positional=True)
    k: int = param(40, "neighbours kept per item in the similarity graph", minimum=1, maximum=1000)
    min_sim: float = param(0.5, "least cosine of a kept neighbour", minimum=-1.0, maximum=1.0, slider=(0.0, 1.0),
                           label="Min similarity")
    directed: bool = param(True, "directed links and flow", off_flag="--undirected")
    levels: str = param("two", "InfoMap's two-level partition or its multilevel hierarchy", choices=LEVELS)
    teleport: float = param(0.15, "teleportation probability τ of the directed flow", minimum=0.0, maximum=0.99)
    trials: int = param(1, "InfoMap trials; the shortest codelength is kept", minimum=1, maximum=1000)
    seed: int = param(1, "random seed", minimum=0)
    method: str = param("infomap", "clustering method (Leiden and Louvain on modularity; K-means on the vectors)",
                        choices=METHODS)


@dataclass(frozen=True)
class EmbedParams:
    corpus: str = param("", "the corpus: a text file (.gz too), a folder of .txt, .json/.jsonl, a CSV of triples",
                        positional=True)
    method: str = param("word2vec", "gensim word2vec, or JoSE (spherical, kexue.fm/archives/7063)",
                        choices=text_vectors.METHODS)
    dim: int = param(100, "dimension of the vectors", minimum=2, maximum=2000)
    window: int = param(0, "context window (0: the method's default, word2vec 5, JoSE 10)", minimum=0, maximum=100)
    min_count: int = param(5, "least count of a word kept", minimum=1)
    epochs: int = param(0, "passes over the corpus (0: the method's default, word2vec 5, JoSE 10)", minimum=0,
                        maximum=1000)
    lr: float = param(0.0, "initial learning rate (0: the method's default, word2vec 0.025, JoSE 0.04)", minimum=0.0,
                      maximum=10.0)
    negative: int = param(0, "negative samples (0: the method's default, word2vec 5, JoSE 2)", minimum=0, maximum=100)
    architecture: str = param("skipgram", "word2vec's architecture", choices=text_vectors.ARCHITECTURES)
    margin: float = param(0.15, "JoSE's hinge-loss margin", minimum=0.0, maximum=2.0)
    tokenizer: str = param("jieba", "how the corpus is cut into words", choices=TOKENIZERS)
    kind: str = param("auto", "how to read the corpus (default: by name)", choices=KINDS)
    workers: int = param(min(4, os.cpu_count() or 1), "word2vec's worker threads", minimum=1, maximum=256)
    seed: int = param(1, "random seed", minimum=0)


# -- cluster ---------------------------------------------------------------------------

def run_cluster(p: ClusterParams, ctx: TaskContext) -> Clustering:
    ctx.progress(0, None, f"reading {p.input}")
    data = load(p.input, ctx=ctx)
    return cluster(data, p.method, p.k, p.min_sim, p.directed, p.levels, p.teleport, p.trials, p.seed, ctx=ctx)


def cluster_json(r: Clustering) -> dict[str, Any]:
    out: dict[str, Any] = {
        "codelength": r.codelength, "codelength_ours": r.ours.total, "index_codelength": r.ours.index,
        "module_codelength": r.ours.module, "one_module_codelength": r.one_module,
        "modules": r.tree.num_top, "levels": r.tree.levels, "method": r.method, "items": r.graph.n,
        "links": r.graph.num_links, "graph": r.graph.method, "flow_model": r.flow.model,
        "seconds": {k: round(v, 3) for k, v in r.seconds.items()}}
    if r.nmi is not None:
        out["nmi"], out["ari"] = r.nmi, r.ari
    return out


def cluster_summary(r: Clustering) -> str:
    text = (f"{r.tree.num_top:,} modules ({r.tree.levels} levels) over {r.graph.n:,} items, "
            f"{r.graph.num_links:,} links ({r.graph.method}); L = {r.codelength:.6f} bits "
            f"(ours {r.ours.total:.6f}; one module {r.one_module:.6f})")
    return text + (f"; NMI {r.nmi:.3f}, ARI {r.ari:.3f}" if r.nmi is not None else "")


def _cluster_vectors(r: Clustering, _p: ClusterParams, path) -> None:
    if r.vectors is None:
        raise GraphInputError(f"{path}: the input was a graph; there are no vectors to write")
    export.write_word2vec(r.vectors, path)


CLUSTER = TaskSpec(
    name="cluster", title="Clusters", params=ClusterParams, run=run_cluster,
    description="vectors or a graph → kNN similarity graph → InfoMap modules (kexue.fm/archives/7006)",
    summary=cluster_summary, to_json=cluster_json,
    outputs={".tsv": lambda r, p, path: export.write_modules_tsv(r, path),
             ".json": lambda r, p, path: export.write_tree_json(r, path),
             ".tree": lambda r, p, path: export.write_infomap_tree(r, path),
             ".clu": lambda r, p, path: export.write_clu(r, path),
             ".csv": lambda r, p, path: export.write_edges(r.graph, path),
             ".txt": _cluster_vectors, ".bin": _cluster_vectors},
    out_help="modules.tsv (name, top module, path); .json tree; Infomap .tree/.clu; .csv edge list; "
             ".txt/.bin vectors")


# -- embed -----------------------------------------------------------------------------

def run_embed(p: EmbedParams, ctx: TaskContext) -> text_vectors.Embedding:
    d = DEFAULTS[p.method]
    window, epochs = p.window or d["window"], p.epochs or d["epochs"]
    lr, negative = p.lr or d["lr"], p.negative or d["negative"]
    start = time.perf_counter()
    sentences = text_vectors.tokenised(p.corpus, p.kind, Tokenizer(p.tokenizer), ctx)
    if p.method == "word2vec":
        result = text_vectors.train_word2vec(sentences, p.dim, window, p.min_count, epochs, p.architecture, lr,
                                             negative, p.workers, p.seed, ctx)
    else:
        result = text_vectors.train_jose(sentences, p.dim, lr, window, negative, p.min_count, epochs, p.margin,
                                         seed=p.seed, ctx=ctx)
    result.seconds = time.perf_counter() - start
    return result


def embed_json(e: text_vectors.Embedding) -> dict[str, Any]:
    return {"method": e.method, "words": len(e.vectors), "dim": int(e.vectors.matrix.shape[1]),
            "documents": e.documents, "tokens": e.tokens, "losses": e.losses, "seconds": round(e.seconds, 3)}


EMBED = TaskSpec(
    name="embed", title="Word vectors", params=EmbedParams, run=run_embed,
    description="word vectors of a corpus: gensim word2vec or JoSE (kexue.fm/archives/7063)",
    summary=lambda e: (f"{len(e.vectors):,} words × {e.vectors.matrix.shape[1]} ({e.method}) from "
                       f"{e.tokens:,} tokens" + (f"; last epoch's loss {e.losses[-1]:.4g}" if e.losses else "")),
    to_json=embed_json,
    outputs={".txt": lambda e, p, path: export.write_word2vec(e.vectors, path, binary=False),
             ".vec": lambda e, p, path: export.write_word2vec(e.vectors, path, binary=False),
             ".bin": lambda e, p, path: export.write_word2vec(e.vectors, path, binary=True)},
    out_required=True, out_help="vectors.txt (word2vec text) or .bin (word2vec binary)")

TASKS = (EMBED, CLUSTER)
