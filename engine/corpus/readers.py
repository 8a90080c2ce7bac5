"""Stream documents from the corpus layouts the blog uses, never reading a file whole.

* a plain text file: one document per line (or the whole file as one);
* a folder tree of ``.txt`` files, the first sub-folder naming the label (THUCNews);
* JSON lines, or a JSON array, of ``{question, tags}`` records (the Baidu Zhidao dump);
* a CSV of (entity, attribute, value) triples.

Encodings: a BOM decides (UTF-8, UTF-16); NUL bytes that fall on every other
byte mean UTF-16 without a BOM (little- or big-endian by their side); otherwise
the first 64 KiB are tried line by line as UTF-8, then GB18030 (a superset of
GBK and GB2312) — the last line of the sample may end mid-character, so it is
decoded as the start of a longer text.  Lines that do not decode in the
detected encoding are retried in the other one (a mixed file) and counted per
file, so reading a corpus twice with the same notes counts each line once;
lines no encoding reads are reported with their line number and skipped.  Gzip
files are read directly.  A JSON record that does not parse is reported with
its position and the rest is read; a file of which no record parses is an error
that names the first broken ones.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from engine.errors import UserError

SAMPLE = 65536
MAX_RECORD = 1 << 20  # a record longer than this is taken as broken, not as unfinished
KINDS = ("auto", "lines", "whole", "folder", "jsonl", "json", "triples")


class CorpusError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class Document:
    text: str
    label: str = ""


@dataclass
class Notes:
    """What reading met on the way: the encoding used and anything skipped.

    Counts are kept per file and restart when a file is read again, and a problem
    is noted once: a task that reads its corpus in two passes reports it once."""

    encoding: str = ""
    problems: list[str] = field(default_factory=list)
    fallback: dict[str, int] = field(default_factory=dict)  # file → lines read in the other encoding

    @property
    def fallback_lines(self) -> int:
        """Lines read in the other encoding (a mixed file)."""
        return sum(self.fallback.values())

    def add(self, text: str) -> None:
        if len(self.problems) < 1000 and text not in self.problems[-50:]:
            self.problems.append(text)


def _open(path: Path) -> BinaryIO:
    f = open(path, "rb")
    if f.read(2) == b"\x1f\x8b":
        f.close()
        return gzip.open(path, "rb")
    f.seek(0)
    return f


def detect_encoding(head: bytes, complete: bool = True) -> str:
    """The encoding of a file that starts with ``head`` (``complete``: head is the whole file)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head[:4096]:
        utf16 = _utf16_without_bom(head, complete)
        if utf16:
            return utf16
        raise CorpusError("a binary file (NUL bytes), not text")
    lines = head.split(b"\n")
    votes = {enc: sum(_decodes(line, enc, final=complete or i < len(lines) - 1) for i, line in enumerate(lines))
             for enc in ("utf-8", "gb18030")}
    if votes["utf-8"] and votes["utf-8"] >= votes["gb18030"] / 2:  # GB18030 accepts much that is UTF-8's
        return "utf-8"
    if votes["gb18030"]:
        return "gb18030"
    raise CorpusError("neither UTF-8 nor GB18030 (no line of the first 64 KiB decodes)")


def _utf16_without_bom(head: bytes, complete: bool) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the NUL bytes sit on one side of the byte pairs (ASCII, line
    ends) and the whole sample decodes to text without control characters; else None."""
    sample = head[:4096]
    odd = sample[1::2].count(0)
    even = sample[0::2].count(0)
    if odd + even == 0 or min(odd, even) > 0.05 * (odd + even):
        return None
    enc = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = codecs.getincrementaldecoder(enc)().decode(head, final=complete)
    except UnicodeDecodeError:
        return None
    controls = sum(1 for ch in text if ch < " " and ch not in "\n\r\t")
    return enc if controls <= 0.01 * max(len(text), 1) else None


def _decodes(raw: bytes, encoding: str, final: bool = True) -> bool:
    """Whether ``raw`` decodes; with ``final`` False it may end in the middle of a character."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(raw, final=final)
        return True
    except UnicodeDecodeError:
        return False


def text_lines(path: Path, notes: Notes) -> Iterator[str]:
    """Decoded lines (without line ends), in the detected encoding, line by line."""
    try:
        with _open(path) as f:
            head = f.read(SAMPLE)
            complete = not f.read(1)
    except (OSError, EOFError, zlib.error) as exc:
        raise CorpusError(f"{path.name}: cannot be read ({exc})") from exc
    try:
        enc = detect_encoding(head, complete)
    except CorpusError as exc:
        raise CorpusError(f"{path.name}: {exc}") from exc
    notes.encoding = notes.encoding or enc
    key = str(path)
    notes.fallback[key] = 0  # this file is read (again) from its start
    try:
        with _open(path) as f:
            if enc.startswith("utf-16"):
                text = io.TextIOWrapper(f, encoding=enc, errors="replace")
                for number, line in enumerate(text, 1):
                    if "\ufffd" in line:
                        notes.add(f"{path.name}, line {number}: bytes that are not UTF-16 were replaced")
                    yield line.rstrip("\r\n")
                return
            other = "gb18030" if enc.startswith("utf-8") else "utf-8"
            for number, raw in enumerate(f, 1):
                if number == 1 and enc == "utf-8-sig":
                    raw = raw[len(codecs.BOM_UTF8):]
                try:
                    line = raw.decode("utf-8" if enc == "utf-8-sig" else enc)
                except UnicodeDecodeError:
                    try:
                        line = raw.decode(other)
                        notes.fallback[key] += 1
                    except UnicodeDecodeError:
                        notes.add(f"{path.name}, line {number}: no encoding reads it; skipped")
                        continue
                yield line.rstrip("\r\n")
    except (OSError, EOFError, zlib.error) as exc:
        raise CorpusError(f"{path.name}: damaged while reading ({exc})") from exc


def _json_records(path: Path, notes: Notes) -> Iterator[tuple[int, object]]:
    """Objects of a JSON array or JSON-lines file, streamed line by line; a record that does not
    parse is reported with its number and character position, and reading goes on after it."""
    decoder = json.JSONDecoder()
    buf, consumed, index, parsed = "", 0, 0, 0
    broken: list[str] = []  # where the first broken records start, for the error when none parses

    def skip(why: str) -> None:
        where = f"record {index} (character {consumed:,})"
        if len(broken) < 3:
            broken.append(where)
        notes.add(f"{path.name}, {where}: {why}; skipped")

    for line in text_lines(path, notes):
        buf += line + "\n"
        while True:
            stripped = buf.lstrip(" \t\r\n,[]")
            consumed += len(buf) - len(stripped)
            buf = stripped
            if not buf:
                break
            try:
                obj, end = decoder.raw_decode(buf)
            except json.JSONDecodeError as exc:
                if exc.pos >= len(buf.rstrip()) - 1 and len(buf) < MAX_RECORD:
                    break  # the record goes on in the next lines
                index += 1
                skip("not valid JSON")
                if buf[exc.pos:exc.pos + 1] == "{":
                    cut = exc.pos  # the next record starts where this one broke off
                else:
                    found = [i for i in (buf.find("{", exc.pos), buf.find("\n", exc.pos)) if i >= 0]
                    cut = min(found) + (0 if found and buf[min(found)] == "{" else 1) if found else len(buf)
                consumed += cut
                buf = buf[cut:]
                continue
            index += 1
            parsed += 1
            yield index, obj
            consumed += end
            buf = buf[end:]
    if buf.strip():
        index += 1
        skip("unfinished at the end")
    if broken and not parsed:
        raise CorpusError(f"{path.name}: none of its {index:,} record(s) is valid JSON "
                          f"(the first broken: {', '.join(broken)})")


def _record_document(obj: object) -> Document | None:
    if isinstance(obj, dict):
        text = obj.get("question") or obj.get("text") or obj.get("content") or ""
        tags = obj.get("tags") or []
        label = ",".join(str(t) for t in tags) if isinstance(tags, list) else str(tags)
        return Document(str(text), label) if text else None
    if isinstance(obj, str):
        return Document(obj)
    return None


def sniff_kind(path: Path) -> str:
    if path.is_dir():
        return "folder"
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "triples"
    return "lines"


def documents(source: Path | str, kind: str = "auto", notes: Notes | None = None) -> Iterator[Document]:
    """Every document of ``source``, streamed."""
    path = Path(source)
    notes = notes if notes is not None else Notes()
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    kind = sniff_kind(path) if kind == "auto" else kind
    if kind == "folder":
        files = sorted(Path(root) / f for root, _, names in os.walk(path) for f in names
                       if f.lower().endswith((".txt", ".txt.gz")))
        if not files:
            raise CorpusError(f"{path}: no .txt files in this folder")
        for f in files:
            rel = f.relative_to(path).parts
            label = rel[0] if len(rel) > 1 else ""
            try:
                text = "\n".join(text_lines(f, notes))
            except CorpusError as exc:
                notes.add(str(exc) + "; skipped")
                continue
            yield Document(text, label)
        return
    if kind == "whole":
        yield Document("\n".join(text_lines(path, notes)))
        return
    if kind == "lines":
        for line in text_lines(path, notes):
            if line.strip():
                yield Document(line)
        return
    if kind in ("json", "jsonl"):
        records = found = 0
        for index, obj in _json_records(path, notes):
            records = index
            doc = _record_document(obj)
            if doc is not None:
                found += 1
                yield doc
        if records and not found:
            raise CorpusError(f"{path.name}: none of its {records:,} JSON record(s) is a string or has a "
                              f"'question', 'text' or 'content' field")
        return
    if kind == "triples":
        rows = csv.reader(text_lines(path, notes))
        number = 0
        while True:
            number += 1
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:  # a stray carriage return, a NUL: the reader goes on after it
                notes.add(f"{path.name}, row {number}: not CSV ({exc}); skipped")
                continue
            if len(row) < 3:
                if row:
                    notes.add(f"{path.name}, row {number}: {len(row)} field(s), not a triple; skipped")
                continue
            yield Document(row[2], row[1])
    raise CorpusError(f"unknown corpus kind {kind!r}; choose one of {', '.join(KINDS)}")


@dataclass
class Stats:
    documents: int = 0
    characters: int = 0
    distinct: int = 0
    labels: dict[str, int] = field(default_factory=dict)


def statistics(source: Path | str, kind: str = "auto", limit: int | None = None) -> tuple[Stats, Notes, list[Document]]:
    """Corpus statistics (over the first ``limit`` documents if given) and the first 20 documents."""
    notes, stats, chars, first = Notes(), Stats(), set(), []
    for doc in documents(source, kind, notes):
        stats.documents += 1
        stats.characters += len(doc.text)
        chars.update(doc.text)
        if doc.label:
            stats.labels[doc.label] = stats.labels.get(doc.label, 0) + 1
        if len(first) < 20:
            first.append(doc)
        if limit is not None and stats.documents >= limit:
            break
    stats.distinct = len(chars)
    if stats.documents == 0:
        raise CorpusError(f"{Path(source).name}: the corpus holds no documents")
    return stats, notes, first
