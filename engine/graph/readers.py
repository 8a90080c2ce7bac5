"""Every source of the Clusters bench, read into :class:`Vectors` or :class:`Graph`.

Vectors: word2vec text and binary (gensim ``KeyedVectors``; GloVe-style text without
the header line too), ``.npy`` with a vocabulary file beside it (``stem.vocab``,
``stem.txt`` or ``stem.tsv``: a name per line, optionally a TAB and a label), CSV
(name, then the coordinates; a header row may name a ``label`` column), and
``digits`` (sklearn's 1,797 labelled 8×8 images, shipped with sklearn), and the run
folder of a trained VAE, Deep INFOMAX or spectral classifier (its features of its own
data, labelled as the data is: :mod:`engine.train.features`, which imports torch).

Graphs: edge lists (CSV/TSV ``source,target[,weight]``, a header row is skipped),
Pajek ``.net`` and GraphML (networkx's readers), networkx's karate club (labelled by
club) and Les Misérables, and LFR benchmark graphs (networkx's generator, the planted
partition as labels), named ``lfr`` or ``lfr:n=1000,mu=0.3,seed=42``.

A file that cannot be used raises :class:`GraphInputError` with one line naming it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

import numpy as np

from engine.corpus.readers import CorpusError, Notes, text_lines
from engine.graph import GraphInputError
from engine.graph.data import Graph, Vectors
from engine.tasks import TaskContext

BUILTINS = ("digits", "karate", "lesmis", "lfr")
VOCAB_SUFFIXES = (".vocab", ".txt", ".tsv")
LABEL_ATTRIBUTES = ("community", "club", "group", "class", "module")
LFR_DEFAULTS = {"n": 1000, "mu": 0.3, "tau1": 2.5, "tau2": 1.5, "average_degree": 20, "max_degree": 50,
                "min_community": 20, "max_community": 100, "seed": 42}


def load(source: str | Path, kind: str = "auto", ctx: TaskContext | None = None) -> Vectors | Graph:
    """The vectors or graph named by ``source``: a built-in name or a file.

    ``kind`` forces a reading (``vectors`` or ``edges``) where a CSV or text file
    could be either; ``auto`` decides from the name and the first lines."""
    text = str(source)
    head = text.split(":", 1)[0].lower()
    if head in BUILTINS and not Path(text).exists():
        return builtin(text)
    path = Path(text)
    if not path.exists():
        raise GraphInputError(f"{path}: no such file (built-in sets: {', '.join(BUILTINS)})")
    if path.is_dir():
        if (path / "config.json").is_file():
            return run_features(path, ctx)
        raise GraphInputError(f"{path}: is a folder, not a run of the workbench; give a vectors or graph file")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return read_npy(path)
    if suffix == ".bin":
        return read_word2vec(path, binary=True)
    if suffix == ".net":
        return read_pajek(path)
    if suffix == ".graphml":
        return read_graphml(path)
    first = _first_rows(path)
    if kind == "vectors" or (kind == "auto" and _looks_like_vectors(first, suffix)):
        if suffix == ".csv":
            return read_csv_vectors(path)
        return read_word2vec(path, binary=False, no_header=not _is_word2vec_header(first))
    return read_edges(path)


# -- built-in sets ---------------------------------------------------------------------

def builtin(name: str) -> Vectors | Graph:
    import networkx as nx

    key = name.split(":", 1)[0].lower()
    if key == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        return Vectors([str(i) for i in range(len(d.target))], d.data.astype(np.float32),
                       d.target.astype(np.int64), "digits", d.images.astype(np.float32))
    if key == "karate":
        g = nx.karate_club_graph()
        return from_networkx(g, "karate club", labels=[g.nodes[v]["club"] for v in g.nodes])
    if key == "lesmis":
        return from_networkx(nx.les_miserables_graph(), "Les Misérables")
    return lfr(**_lfr_options(name))


def _lfr_options(name: str) -> dict:
    options = dict(LFR_DEFAULTS)
    if ":" not in name:
        return options
    for item in filter(None, name.split(":", 1)[1].split(",")):
        key, _, value = item.partition("=")
        key = key.strip()
        if key not in options:
            raise GraphInputError(f"{name}: unknown LFR option {key!r}; known: {', '.join(options)}")
        try:
            options[key] = type(LFR_DEFAULTS[key])(float(value))
        except ValueError as exc:
            raise GraphInputError(f"{name}: {key} must be a number; got {value!r}") from exc
    return options


def lfr(n: int = 1000, mu: float = 0.3, tau1: float = 2.5, tau2: float = 1.5, average_degree: int = 20,
        max_degree: int = 50, min_community: int = 20, max_community: int = 100, seed: int = 42) -> Graph:
    """An LFR benchmark graph (Lancichinetti, Fortunato, Radicchi 2008) through networkx, self-loops
    removed, unweighted and undirected; labels are the planted communities."""
    import networkx as nx

    if not 0 <= mu <= 1:
        raise GraphInputError(f"lfr: mu must lie in [0, 1]; got {mu}")
    try:
        g = nx.LFR_benchmark_graph(n, tau1, tau2, mu, average_degree=average_degree, max_degree=max_degree,
                                   min_community=min_community, max_community=max_community, seed=seed,
                                   max_iters=1000)
    except (nx.ExceededMaxIterations, nx.NetworkXError, ValueError) as exc:
        raise GraphInputError(f"lfr: the generator failed for these settings ({exc})") from exc
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    planted: dict[frozenset, int] = {}
    labels = [planted.setdefault(frozenset(g.nodes[v]["community"]), len(planted)) for v in g.nodes]
    return from_networkx(g, f"LFR n={n} mu={mu} seed={seed}", labels=labels)


def from_networkx(g, origin: str, labels: Iterable | None = None) -> Graph:
    """A networkx graph as links between 0…n-1 (node order kept); a multigraph's parallel links
    are summed by the flow computation, as Infomap does."""
    index = {v: i for i, v in enumerate(g.nodes)}
    rows = [(index[u], index[v], float(d.get("weight", 1.0))) for u, v, d in g.edges(data=True)]
    s, t, w = (np.array(c) for c in zip(*rows)) if rows else (np.zeros(0), np.zeros(0), np.zeros(0))
    graph = Graph([str(v) for v in g.nodes], s.astype(np.int64), t.astype(np.int64), w.astype(np.float64),
                  g.is_directed(), None if labels is None else np.asarray(list(labels)), origin)
    _check_weights(graph.weight, origin)
    return graph


# -- vectors -----------------------------------------------------------------------------

def read_word2vec(path: Path, binary: bool, no_header: bool = False) -> Vectors:
    from gensim.models import KeyedVectors

    try:
        kv = KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header,
                                               unicode_errors="replace")
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, OSError) as exc:
        fmt = "binary" if binary else "text"
        raise GraphInputError(f"{path.name}: not a word2vec {fmt} file ({exc})") from exc
    return _checked(Vectors(list(kv.index_to_key), np.asarray(kv.vectors, np.float32), None, path.name), path)


def read_npy(path: Path) -> Vectors:
    try:
        matrix = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise GraphInputError(f"{path.name}: not a numpy .npy file ({exc})") from exc
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.number):
        raise GraphInputError(f"{path.name}: expected a 2-D numeric array; got shape {matrix.shape}, {matrix.dtype}")
    names: list[str] = [str(i) for i in range(len(matrix))]
    labels = None
    vocab = next((path.with_suffix(s) for s in VOCAB_SUFFIXES if path.with_suffix(s).is_file()), None)
    if vocab is not None:
        rows = [line.split("\t") for line in _lines(vocab) if line.strip()]
        if len(rows) != len(matrix):
            raise GraphInputError(f"{vocab.name}: {len(rows)} names for {len(matrix)} vectors in {path.name}")
        names = [r[0].strip() for r in rows]
        if all(len(r) > 1 for r in rows):
            labels = np.array([r[1].strip() for r in rows])
    return _checked(Vectors(names, matrix.astype(np.float32), labels, path.name), path)


def read_csv_vectors(path: Path) -> Vectors:
    rows = list(csv.reader(_lines(path)))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if not rows:
        raise GraphInputError(f"{path.name}: the file is empty")
    header = None if _numeric(rows[0][1:]) else [c.strip().lower() for c in rows[0]]
    body = rows[1:] if header else rows
    label_col = header.index("label") if header and "label" in header else None
    keep = [i for i in range(1, len(rows[0])) if i != label_col]
    names, values, labels = [], [], []
    for number, r in enumerate(body, 2 if header else 1):
        if len(r) != len(rows[0]):
            raise GraphInputError(f"{path.name}, row {number}: {len(r)} fields where the first row has {len(rows[0])}")
        try:
            values.append([float(r[i]) for i in keep])
        except ValueError as exc:
            raise GraphInputError(f"{path.name}, row {number}: a coordinate is not a number") from exc
        names.append(r[0].strip())
        if label_col is not None:
            labels.append(r[label_col].strip())
    if not values:
        raise GraphInputError(f"{path.name}: no vectors, only a header")
    return _checked(Vectors(names, np.array(values, np.float32), np.array(labels) if labels else None, path.name),
                    path)


def _checked(v: Vectors, path: Path) -> Vectors:
    if len(v) == 0:
        raise GraphInputError(f"{path.name}: no vectors")
    if not np.isfinite(v.matrix).all():
        bad = int(np.flatnonzero(~np.isfinite(v.matrix).all(axis=1))[0])
        raise GraphInputError(f"{path.name}: vector {bad} ({v.names[bad]!r}) holds NaN or infinity")
    return v


def run_features(run_dir: Path, ctx: TaskContext | None = None) -> Vectors:
    """A trained run's features of its data, named ``run (what)``."""
    from engine.train.features import run_features as features

    f = features(run_dir, ctx)
    return _checked(Vectors(f.names, f.matrix, f.labels, f"{run_dir.name} ({f.what})", f.images), run_dir)


# -- graphs ------------------------------------------------------------------------------

def read_edges(path: Path) -> Graph:
    """``source,target[,weight]`` per line, comma, TAB or space separated; names are kept as
    given and numbered by first appearance; a missing weight is 1."""
    lines = [line for line in _lines(path) if line.strip() and not line.lstrip().startswith(("#", "%"))]
    if not lines:
        raise GraphInputError(f"{path.name}: no links (an empty file?)")
    delimiter = "\t" if "\t" in lines[0] else "," if "," in lines[0] else None
    index: dict[str, int] = {}
    s, t, w = [], [], []
    for number, line in enumerate(lines, 1):
        fields = [f.strip() for f in (line.split(delimiter) if delimiter else line.split())]
        if len(fields) < 2:
            raise GraphInputError(f"{path.name}, link {number}: one field; expected source and target")
        if number == 1 and (len(fields) > 2 and not _numeric(fields[2:3]) or
                            {fields[0].lower(), fields[1].lower()} & {"source", "target", "from", "to"}):
            continue  # a header row
        try:
            weight = float(fields[2]) if len(fields) > 2 and fields[2] else 1.0
        except ValueError as exc:
            raise GraphInputError(f"{path.name}, link {number}: the weight {fields[2]!r} is not a number") from exc
        s.append(index.setdefault(fields[0], len(index)))
        t.append(index.setdefault(fields[1], len(index)))
        w.append(weight)
    graph = Graph(list(index), np.array(s, np.int64), np.array(t, np.int64), np.array(w, np.float64), True,
                  None, path.name)
    _check_weights(graph.weight, path.name)
    return graph


def read_pajek(path: Path) -> Graph:
    import networkx as nx

    try:
        g = nx.read_pajek(str(path))
    except (ValueError, KeyError, IndexError, UnicodeDecodeError, nx.NetworkXError) as exc:
        raise GraphInputError(f"{path.name}: not a Pajek network ({exc})") from exc
    if g.number_of_nodes() == 0:
        raise GraphInputError(f"{path.name}: no vertices")
    return from_networkx(g, path.name)


def read_graphml(path: Path) -> Graph:
    import networkx as nx

    try:
        g = nx.read_graphml(str(path))
    except (ValueError, KeyError, nx.NetworkXError, SyntaxError) as exc:  # ElementTree's ParseError is a SyntaxError
        raise GraphInputError(f"{path.name}: not a GraphML file ({exc})") from exc
    if g.number_of_nodes() == 0:
        raise GraphInputError(f"{path.name}: no nodes")
    attr = next((a for a in LABEL_ATTRIBUTES if all(a in g.nodes[v] for v in g.nodes)), None)
    return from_networkx(g, path.name, None if attr is None else [g.nodes[v][attr] for v in g.nodes])


def _check_weights(weight: np.ndarray, origin: str) -> None:
    bad = np.flatnonzero(~np.isfinite(weight) | (weight < 0))
    if len(bad):
        raise GraphInputError(f"{origin}: link {bad[0] + 1} has weight {weight[bad[0]]}; "
                              "weights must be ≥ 0 and finite")


# -- sniffing ----------------------------------------------------------------------------

def _lines(path: Path) -> Iterable[str]:
    try:
        notes = Notes()
        yield from text_lines(path, notes)
    except CorpusError as exc:
        raise GraphInputError(str(exc)) from exc


def _first_rows(path: Path, count: int = 5) -> list[list[str]]:
    rows = []
    for line in _lines(path):
        if line.strip():
            rows.append(line.replace(",", " ").replace("\t", " ").split())
            if len(rows) == count:
                break
    if not rows:
        raise GraphInputError(f"{path.name}: the file is empty")
    return rows


def _numeric(fields: Iterable[str]) -> bool:
    try:
        for f in fields:
            float(f)
    except ValueError:
        return False
    return True


def _is_word2vec_header(rows: list[list[str]]) -> bool:
    """"count dim" on the first line, and the next line a name with ``dim`` numbers."""
    head = rows[0]
    if len(head) != 2 or not all(f.isdigit() for f in head):
        return False
    return len(rows) == 1 or len(rows[1]) == int(head[1]) + 1


def _looks_like_vectors(rows: list[list[str]], suffix: str) -> bool:
    """A word2vec header, or rows of a name and at least three numbers (an edge list has at most
    one number after its two names)."""
    if _is_word2vec_header(rows):
        return True
    body = rows
    if suffix == ".csv" and not _numeric(rows[0][1:]):  # a header row; a label column is not a coordinate
        header = [c.lower() for c in rows[0]]
        drop = header.index("label") if "label" in header else None
        body = [[c for i, c in enumerate(r) if i != drop] for r in rows[1:]]
    return bool(body) and all(len(r) >= 4 and _numeric(r[1:]) for r in body)
