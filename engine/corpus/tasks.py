"""The corpus bench's work as tasks: open (statistics), count, discover, segment.

Each has one params dataclass — the GUI form, the CLI verb's flags and its
help all come from it — and a ``run(params, ctx)`` that streams the corpus,
reports progress and answers Cancel through the task context.  None of this
imports torch: ``python main.py count`` starts in the time jieba does.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engine.corpus import counting, discovery, readers
from engine.errors import UserError
from engine.io import atomic_open
from engine.params import param
from engine.tasks import TaskContext, TaskSpec

PREVIEW = 20


def _corpus(help_text: str = "a text file (.gz too), a folder of .txt, .json/.jsonl, or a CSV of triples"):
    return param("", help_text, positional=True, gui=False)


def _kind():
    return param("auto", "how to read the corpus (auto: by name — .json/.jsonl records, .csv triples, a folder of "
                 ".txt by label, otherwise one document a line)", choices=readers.KINDS, label="Layout")


def _source(corpus: str) -> Path:
    if not corpus:
        raise UserError("no corpus chosen: open a file or folder first")
    path = Path(corpus)
    if not path.exists():
        raise UserError(f"{corpus}: no such file or folder")
    return path


def read_notes(notes: readers.Notes) -> str:
    """How the corpus was read, in a few words."""
    text = f"read as {notes.encoding or '—'}"
    if notes.fallback_lines:
        text += f" ({notes.fallback_lines:,} line(s) in another encoding)"
    return text


def _warn_problems(notes: readers.Notes, ctx: TaskContext) -> None:
    if notes.problems:
        ctx.warn(f"{len(notes.problems)} problem(s) while reading, e.g. {notes.problems[0]}; the rest was read")


def _documents(corpus: str, kind: str, notes: readers.Notes, ctx: TaskContext):
    """The corpus's documents, checking for Cancel every thousand."""
    for i, doc in enumerate(readers.documents(_source(corpus), kind, notes)):
        if i % 1000 == 0:
            ctx.checkpoint()
        yield doc


# -- open ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenParams:
    corpus: str = _corpus()
    kind: str = _kind()


@dataclass
class Opened:
    stats: readers.Stats
    notes: readers.Notes
    first: list[readers.Document]


def open_corpus(p: OpenParams, ctx: TaskContext | None = None) -> Opened:
    """Statistics of the whole corpus and its first documents, in one streamed pass."""
    ctx = ctx or TaskContext()
    notes, stats, chars, first = readers.Notes(), readers.Stats(), set(), []
    for doc in _documents(p.corpus, p.kind, notes, ctx):
        stats.documents += 1
        stats.characters += len(doc.text)
        chars.update(doc.text)
        if doc.label:
            stats.labels[doc.label] = stats.labels.get(doc.label, 0) + 1
        if len(first) < PREVIEW:
            first.append(doc)
        ctx.progress(stats.documents, None, f"{stats.documents:,} documents…")
    stats.distinct = len(chars)
    if not stats.documents:
        raise readers.CorpusError(f"{Path(p.corpus).name}: the corpus holds no documents")
    _warn_problems(notes, ctx)
    return Opened(stats, notes, first)


# -- count -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CountParams:
    corpus: str = _corpus()
    kind: str = _kind()
    tokenizer: str = param("jieba", "jieba (rjieba), single characters, or character n-grams",
                           choices=counting.TOKENIZERS)
    hmm: bool = param(True, "jieba's HMM for unknown words", label="HMM for unknown words")
    n: int = param(2, "longest character n-gram for the ngrams tokenizer", minimum=1, maximum=8, label="n-gram ≤")
    user_dict: str = param("", "a jieba user dictionary (uses jieba instead of rjieba)", gui=False)
    workers: int = param(os.cpu_count() or 1, "worker processes (default: all cores)", minimum=1, maximum=256,
                         label="Processes")


@dataclass
class Counted:
    table: Counter
    notes: readers.Notes = field(default_factory=readers.Notes)


def count(p: CountParams, ctx: TaskContext | None = None) -> Counted:
    ctx = ctx or TaskContext()
    tok = counting.Tokenizer(p.tokenizer, p.hmm, p.n, p.user_dict)
    notes = readers.Notes()
    table = counting.count(_documents(p.corpus, p.kind, notes, ctx), tok, p.workers, ctx)
    _warn_problems(notes, ctx)
    if not table:
        raise readers.CorpusError(f"{Path(p.corpus).name}: no tokens (an empty corpus?)")
    return Counted(table, notes)


COUNT = TaskSpec(
    "count", "Word frequencies", CountParams, count,
    "Token counts of a corpus, counted in batches in worker processes (kexue.fm/archives/7031); the table is "
    "identical to a single-process count.",
    summary=lambda r: f"{len(r.table):,} distinct tokens, {sum(r.table.values()):,} in all; {read_notes(r.notes)}",
    outputs={"": lambda r, p, path: counting.write_table(r.table, path)},
    out_required=True, out_help="the TSV to write: token and count, most frequent first")


# -- discover --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiscoverParams:
    corpus: str = _corpus()
    kind: str = _kind()
    n: int = param(4, "longest n-gram counted", minimum=2, maximum=8)
    min_count: int = param(32, "least frequency of a word", minimum=1, maximum=10 ** 9, label="Min count")
    thresholds: str = param("0,2,4,6", "ln cohesion thresholds for 1…n-grams (the post's: 0,2,4,6)",
                            label="ln cohesion ≥")
    top: int = param(0, "keep only the most frequent words (the evaluation's cut: 50,000; 0: all)", minimum=0,
                     maximum=10 ** 9, label="Keep top")
    preset: str = param("custom", "published settings by name (they replace min count, thresholds and top): "
                        "rewrite = kexue.fm/archives/6920, first-upload = its repository's first version, "
                        "original = the 2017 post's ratios 5, 25, 125 at min count 128, evaluation = rewrite "
                        "cut to the top 50,000", choices=("custom", *discovery.PRESETS), label="Preset")


@dataclass
class Discovered:
    words: list
    counts: object  # discovery.NgramCounts
    strong: dict[str, float]
    params: object  # discovery.DiscoveryParams
    notes: readers.Notes


def thresholds_of(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise UserError(f"thresholds must be numbers separated by commas; got {text!r}") from exc
    if not values:
        raise UserError("give at least one cohesion threshold")
    return values


def discovery_params(p: DiscoverParams) -> discovery.DiscoveryParams:
    if p.preset != "custom":
        preset = discovery.PRESETS[p.preset]
        return discovery.DiscoveryParams(p.n, preset.min_count, preset.thresholds, top=preset.top)
    return discovery.DiscoveryParams(p.n, p.min_count, thresholds_of(p.thresholds), top=p.top)


def discover(p: DiscoverParams, ctx: TaskContext | None = None) -> Discovered:
    ctx = ctx or TaskContext()
    dp = discovery_params(p)
    notes = readers.Notes()

    def texts():
        notes.__init__()  # each pass over the corpus reports afresh
        return discovery.sentences(_documents(p.corpus, p.kind, notes, ctx))

    words, counts, strong = discovery.discover(texts, dp, ctx)
    if counts.total == 0:
        raise readers.CorpusError(f"{Path(p.corpus).name}: no text to discover words in (an empty corpus?)")
    _warn_problems(notes, ctx)
    return Discovered(words, counts, strong, dp, notes)


def write_words(words: list, out: Path | str) -> None:
    """word, count, ln cohesion and known/new (in jieba's dictionary or not), one a line."""
    known = discovery.jieba_words()
    with atomic_open(out) as f:
        for w in words:
            f.write(f"{w.word}\t{w.count}\t{w.cohesion:.4f}\t{'known' if w.word in known else 'new'}\n")


DISCOVER = TaskSpec(
    "discover", "New words", DiscoverParams, discover,
    "New-word discovery by the 'better' algorithm of kexue.fm/archives/4256: cohesion thresholds, cut, back-check.",
    summary=lambda r: f"{len(r.words):,} words (min count {r.params.min_count}); {read_notes(r.notes)}",
    outputs={"": lambda r, p, path: write_words(r.words, path)},
    out_required=True, out_help="the TSV to write: word, count, ln cohesion, known/new")


# -- segment ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SegmentParams:
    corpus: str = _corpus()
    kind: str = _kind()
    lexicon: str = param("", "TSV of word and count (e.g. from discover); default: build one from the corpus "
                         "with the minimum-entropy word finder", gui=False)
    out: str = param("", "the text file to write: one document a line, words separated by spaces", gui=False)


@dataclass
class Segmented:
    documents: int
    lexicon_size: int
    out: str
    notes: readers.Notes


def read_lexicon(path: Path | str) -> dict[str, int]:
    """word<TAB>count[<TAB>…] lines (a missing count is 1)."""
    path = Path(path)
    lexicon: dict[str, int] = {}
    for number, line in enumerate(readers.text_lines(path, readers.Notes()), 1):
        parts = line.split("\t")
        if not parts[0].strip():
            continue
        try:
            lexicon[parts[0].strip()] = int(float(parts[1])) if len(parts) > 1 and parts[1].strip() else 1
        except ValueError as exc:
            raise UserError(f"{path.name}, line {number}: the count is not a number") from exc
    if not lexicon:
        raise UserError(f"{path.name}: the lexicon is empty")
    return lexicon


def build_lexicon(p: OpenParams, ctx: TaskContext | None = None) -> dict[str, int]:
    """The minimum-entropy word finder's lexicon of a corpus."""
    from engine.corpus import min_entropy

    ctx = ctx or TaskContext()
    ctx.progress(0, None, "building the lexicon (minimum-entropy word finder)")
    lexicon = min_entropy.find_words((d.text for d in _documents(p.corpus, p.kind, readers.Notes(), ctx)), ctx)
    if not lexicon:
        raise readers.CorpusError(f"{Path(p.corpus).name}: no words found (an empty corpus?)")
    return lexicon


def segment(p: SegmentParams, ctx: TaskContext | None = None) -> Segmented:
    """Segment every document with the lexicon into ``p.out``, streamed (never the corpus in memory)."""
    from engine.corpus import min_entropy

    ctx = ctx or TaskContext()
    if not p.out:
        raise UserError("segment needs --out, the text file to write")
    lexicon = read_lexicon(p.lexicon) if p.lexicon else build_lexicon(OpenParams(p.corpus, p.kind), ctx)
    seg = min_entropy.Segmenter(lexicon)
    notes = readers.Notes()
    n = 0
    with atomic_open(p.out) as f:
        for n, doc in enumerate(_documents(p.corpus, p.kind, notes, ctx), 1):
            f.write(" ".join(seg.cut(doc.text.replace("\n", " "))) + "\n")
            ctx.progress(n, None, f"{n:,} documents segmented")
        if n == 0:
            raise readers.CorpusError(f"{Path(p.corpus).name}: the corpus holds no documents")
    _warn_problems(notes, ctx)
    return Segmented(n, len(lexicon), p.out, notes)


SEGMENT = TaskSpec(
    "segment", "Minimum-entropy segmentation", SegmentParams, segment,
    "Segment a corpus with a lexicon by minimum entropy (nlp-zero, kexue.fm/archives/5597).",
    summary=lambda r: f"{r.documents:,} documents segmented with a lexicon of {r.lexicon_size:,} words → {r.out}",
    out_required=True)
