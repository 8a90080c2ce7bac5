"""Five-character couplets from a poem collection, cut as the author's ``vae_shi.py`` cuts them.

Sources (SEEDS.md §10, issue 17):

* text with one poem a line — the Complete Tang Poems text the author reads,
  whose poem lines are indented with full-width spaces (white space around a
  line is ignored) — or with one couplet a line, whose closing "。" may be
  left out;
* chinese-poetry JSON, ``[{"title", "author", "paragraphs": [...]}]``: one file,
  or a folder searched for ``.json`` files; a record's paragraphs are joined
  into one poem, and records without them (an authors file) are skipped.

Bytes are decoded by :func:`engine.corpus.readers.text_lines` (BOM, UTF-8,
GB18030, mixed lines, gzip) and JSON records streamed by the corpus reader's
parser, so this module reads every encoding the Corpus bench reads.

Extraction: a poem counts when its first two lines have five characters (the
author's regular expression "xxxxx，xxxxx。…", with "，" and "。" kept out of the
x's); it is split on "。" and every piece of exactly five characters + "，" +
five characters becomes a 10-character sample, the comma dropped.  Where the
author's script keeps any 11-character piece, here the middle must be "，" and
the other ten letters or digits (``str.isalnum``: no punctuation, space, or
symbol such as the □ that marks a lost character in these collections), so no
sample teaches the model punctuation.

Traditional characters can be converted to simplified with OpenCC's ``t2s``
before extraction: off by default, as the post trains on what it reads.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from engine.corpus import readers
from engine.errors import UserError
from engine.tasks import TaskContext

LINE = 5  # characters of a line of a five-character poem
LENGTH = 2 * LINE  # characters of a sample: a couplet without its comma
COMMA, STOP = "，", "。"
KINDS = ("auto", "text", "json")
EXAMPLE = "白日依山尽，黄河入海流"
FIVE_CHARACTER_POEM = re.compile(r"[^，。]{5}，[^，。]{5}。")  # how a poem must start


class VerseError(UserError, ValueError):
    pass


def show(sample: str) -> str:
    """A 10-character sample as the couplet a reader expects: "xxxxx，xxxxx"."""
    return sample[:LINE] + COMMA + sample[LINE:]


def _couplet(piece: str) -> str | None:
    """The sample of "xxxxx，xxxxx", or None when the piece is not exactly that."""
    if len(piece) != LENGTH + 1 or piece[LINE] != COMMA:
        return None
    sample = piece[:LINE] + piece[LINE + 1:]
    return sample if sample.isalnum() else None


def couplets_of(poem: str) -> list[str]:
    """The samples of one poem; none unless its first two lines have five characters."""
    poem = poem.strip()
    if len(poem) == LENGTH + 1:  # a lone couplet may leave out its "。"
        poem += STOP
    if not FIVE_CHARACTER_POEM.match(poem):
        return []
    return [s for s in map(_couplet, poem.split(STOP)) if s is not None]


def parse_couplet(text: str) -> str:
    """A couplet the user typed, as its 10 characters: "白日依山尽，黄河入海流" with or without
    the closing "。", a half-width comma or a space between the lines, or the ten characters alone."""
    t = "".join(text.split()).rstrip("。.")
    if len(t) == LENGTH + 1 and t[LINE] in "，,":
        t = t[:LINE] + t[LINE + 1:]
    if len(t) != LENGTH or not t.isalnum():
        raise VerseError(f"'{text.strip()}' is not a five-character couplet: type 5 + 5 characters, as {EXAMPLE}")
    return t


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


def encode(samples: list[str], vocabulary: str) -> np.ndarray:
    """(N, 10) int64 character ids in ``vocabulary`` (its characters sorted by code point, as
    :func:`vocabulary_of` makes it); an unknown character raises one error naming them all."""
    if not samples:
        return np.zeros((0, LENGTH), dtype=np.int64)
    codes = _codes("".join(samples)).reshape(len(samples), LENGTH)
    table = _codes(vocabulary)
    ids = np.searchsorted(table, codes).clip(max=len(table) - 1)
    unknown = table[ids] != codes
    if unknown.any():
        chars = sorted({chr(c) for c in codes[unknown]})
        shown = " ".join(chars[:30]) + (f" … ({len(chars)} in all)" if len(chars) > 30 else "")
        raise VerseError(f"not among the {len(table):,} characters the model knows: {shown}")
    return ids.astype(np.int64)


def decode(ids: np.ndarray, vocabulary: str) -> list[str]:
    """The samples of an (N, 10) array of character ids."""
    flat = _codes(vocabulary)[np.asarray(ids, dtype=np.int64)].astype("<u4").tobytes().decode("utf-32-le")
    return [flat[i:i + LENGTH] for i in range(0, len(flat), LENGTH)]


def vocabulary_of(samples: list[str]) -> str:
    """Every character of the samples once, sorted by code point (the order is the ids')."""
    return "".join(sorted(set("".join(samples))))


@dataclass
class Couplets:
    """What a source gave: the samples in reading order and how they were found."""

    samples: list[str]
    name: str
    poems: int = 0  # poems (or couplet lines) whose first two lines have five characters
    read: int = 0  # lines or records read
    notes: readers.Notes = field(default_factory=readers.Notes)

    @property
    def distinct(self) -> int:
        return len(set("".join(self.samples)))

    def vocabulary(self) -> str:
        return vocabulary_of(self.samples)

    def preview(self, k: int = 20, seed: int = 0) -> list[str]:
        """Up to ``k`` couplets drawn at random, shown as "xxxxx，xxxxx"."""
        chosen = random.Random(seed).sample(range(len(self.samples)), min(k, len(self.samples)))
        return [show(self.samples[i]) for i in sorted(chosen)]

    def summary(self) -> str:
        enc = f"; read as {self.notes.encoding}" if self.notes.encoding else ""
        return (f"{self.name}: {self.poems:,} five-character poems → {len(self.samples):,} couplets, "
                f"{self.distinct:,} distinct characters{enc}")


def _simplifier() -> Callable[[str], str]:
    try:
        import opencc
    except ImportError as exc:
        raise VerseError("converting traditional characters to simplified needs OpenCC: "
                         "pip install opencc") from exc
    return opencc.OpenCC("t2s").convert


def _record_poem(record: object) -> str | None:
    if isinstance(record, str):
        return record
    if not isinstance(record, dict):
        return None
    lines = record.get("paragraphs", record.get("content"))
    if isinstance(lines, list):
        return "".join(str(x) for x in lines)
    return lines if isinstance(lines, str) else None


def _json_poems(path: Path, notes: readers.Notes, ctx: TaskContext) -> Iterator[str]:
    if path.is_dir():
        suffixes = (".json", ".json.gz", ".jsonl", ".jsonl.gz")
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes))
        if not files:
            raise VerseError(f"{path}: no .json files in this folder")
    else:
        files = [path]
    for number, f in enumerate(files):
        ctx.progress(number, len(files), f.name)
        skipped = 0
        try:
            for _, record in readers._json_records(f, notes):  # the corpus reader's streaming parser
                poem = _record_poem(record)
                if poem is None:
                    skipped += 1
                else:
                    yield poem
        except readers.CorpusError as exc:
            if len(files) == 1:
                raise
            notes.add(f"{exc}; skipped")
        if skipped:
            notes.add(f"{f.name}: {skipped:,} record(s) without paragraphs; skipped")
    ctx.progress(len(files), len(files), "read")


def _poems(path: Path, kind: str, notes: readers.Notes, ctx: TaskContext) -> Iterator[str]:
    if kind == "json":
        yield from _json_poems(path, notes, ctx)
    else:
        yield from readers.text_lines(path, notes)


def sniff_kind(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    return "json" if path.is_dir() or name.endswith((".json", ".jsonl")) else "text"


def source(name: Path | str, kind: str = "auto") -> tuple[Path, str]:
    """The path and format to read, or the one-line reason they cannot be read (no file read yet)."""
    if not str(name).strip():
        raise VerseError("no poems chosen: give a text or JSON file of poems, or a folder of JSON files")
    path = Path(name)
    if not path.exists():
        raise VerseError(f"{path}: no such file or folder")
    kind = sniff_kind(path) if kind == "auto" else kind
    if kind not in KINDS:
        raise VerseError(f"unknown poem format {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "text" and path.is_dir():
        raise VerseError(f"{path}: a folder; poems as text come in one file (a folder is read as JSON)")
    return path, kind


def load(name: Path | str, kind: str = "auto", simplify: bool = False,
         ctx: TaskContext | None = None) -> Couplets:
    """Every five-character couplet of ``name``, in reading order (duplicates kept, as the post)."""
    ctx = ctx or TaskContext()
    path, kind = source(name, kind)
    convert = _simplifier() if simplify else None
    out = Couplets([], path.name)
    for poem in _poems(path, kind, out.notes, ctx):
        if out.read % 1000 == 0:
            ctx.checkpoint()
            if kind == "text":
                ctx.progress(out.read, None, f"{out.read:,} lines read")
        out.read += 1
        found = couplets_of(convert(poem) if convert else poem)
        if found:
            out.poems += 1
            out.samples.extend(found)
    if out.notes.problems:
        ctx.warn(f"{len(out.notes.problems)} problem(s) while reading, e.g. {out.notes.problems[0]}")
    if not out.samples:
        raise VerseError(f"{path.name}: no five-character couplets among {out.read:,} "
                         f"{'records' if kind == 'json' else 'lines'} (a poem must start like {EXAMPLE}。)")
    return out
