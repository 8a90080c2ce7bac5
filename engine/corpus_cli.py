"""The corpus verbs of ``main.py``: count, discover and segment."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from engine.corpus import counting, discovery, min_entropy, readers
from engine.errors import UserError

VERBS = ("count", "discover", "segment")


def add_verbs(verbs) -> None:
    c = verbs.add_parser("count", help="word frequencies of a corpus, counted in parallel (kexue.fm/archives/7031)")
    _source(c)
    c.add_argument("--tokenizer", choices=counting.TOKENIZERS, default="jieba")
    c.add_argument("--hmm", action=argparse.BooleanOptionalAction, default=True, help="jieba's HMM for unknown words")
    c.add_argument("--n", type=int, default=2, help="longest character n-gram for --tokenizer ngrams (default: 2)")
    c.add_argument("--user-dict", default="", help="a jieba user dictionary (uses jieba instead of rjieba)")
    c.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    d = verbs.add_parser("discover", help="new-word discovery (kexue.fm/archives/4256, 6920)")
    _source(d)
    d.add_argument("--n", type=int, default=4, help="longest n-gram counted (default: 4)")
    d.add_argument("--min-count", type=int, default=32, help="least frequency of a word (default: 32)")
    d.add_argument("--thresholds", default="0,2,4,6", help="ln cohesion thresholds for 1…n-grams (default: 0,2,4,6)")
    sg = verbs.add_parser("segment", help="minimum-entropy segmentation (nlp-zero, kexue.fm/archives/5597)")
    _source(sg, "the text file to write: one document a line, words separated by spaces")
    sg.add_argument("--lexicon", type=Path, help="TSV of word and count (e.g. from discover); default: build one "
                    "from the corpus with the minimum-entropy word finder")


def _source(p: argparse.ArgumentParser, out_help: str = "the TSV to write") -> None:
    p.add_argument("corpus", type=Path, help="a text file (.gz too), a folder of .txt, .json/.jsonl, or a CSV of triples")
    p.add_argument("--kind", choices=readers.KINDS, default="auto", help="how to read the corpus (default: by name)")
    p.add_argument("--out", type=Path, required=True, help=out_help)


def _say(text: str) -> None:
    sys.stderr.write(f"\r\033[K{text}" if sys.stderr.isatty() else text + "\n")
    sys.stderr.flush()


def main(args: argparse.Namespace) -> int:
    notes = readers.Notes()
    t0 = time.perf_counter()
    try:
        if args.verb == "count":
            tok = counting.Tokenizer(args.tokenizer, args.hmm, args.n, args.user_dict)
            docs = readers.documents(args.corpus, args.kind, notes)
            table = counting.count(docs, tok, args.workers, progress=lambda k: _say(f"{k:,} documents counted"))
            if not table:
                raise UserError(f"{args.corpus.name}: no tokens (an empty corpus?)")
            counting.write_table(table, args.out)
            summary = f"{len(table):,} distinct tokens, {sum(table.values()):,} in all"
        elif args.verb == "segment":
            summary = _segment(args, notes)
        else:
            thresholds = tuple(float(v) for v in args.thresholds.split(","))
            p = discovery.DiscoveryParams(args.n, args.min_count, thresholds)
            words, counts, _ = discovery.discover(
                lambda: discovery.sentences(readers.documents(args.corpus, args.kind, notes)), p,
                lambda stage, k: _say(f"{stage}: {k:,} sentences"))
            if counts.total == 0:
                raise UserError(f"{args.corpus.name}: no text to discover words in (an empty corpus?)")
            _write_words(words, args.out)
            summary = f"{len(words):,} words (min count {p.min_count})"
    except (UserError, OSError, ValueError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ncancelled; no output written", file=sys.stderr)
        return 130
    for problem in notes.problems[:20]:
        print(f"warning: {problem}", file=sys.stderr)
    enc = f"read as {notes.encoding}" + (f" ({notes.fallback_lines} line(s) in another encoding)"
                                         if notes.fallback_lines else "")
    print(f"\n{summary}; {enc}; {time.perf_counter() - t0:.1f} s → {args.out}", file=sys.stderr)
    return 0


def read_lexicon(path: Path) -> dict[str, int]:
    """word<TAB>count[<TAB>…] lines (a missing count is 1)."""
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


def _segment(args: argparse.Namespace, notes: readers.Notes) -> str:
    if args.lexicon is not None:
        lexicon = read_lexicon(args.lexicon)
    else:
        _say("building the lexicon (minimum-entropy word finder)")
        lexicon = min_entropy.find_words(d.text for d in readers.documents(args.corpus, args.kind, notes))
    seg = min_entropy.Segmenter(lexicon)
    tmp = args.out.with_name(args.out.name + ".part")
    n = 0
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for n, doc in enumerate(readers.documents(args.corpus, args.kind, notes), 1):
                f.write(" ".join(seg.cut(doc.text.replace("\n", " "))) + "\n")
                if n % 10000 == 0:
                    _say(f"{n:,} documents segmented")
        if n == 0:
            raise UserError(f"{args.corpus.name}: the corpus holds no documents")
        os.replace(tmp, args.out)
    finally:
        tmp.unlink(missing_ok=True)
    return f"{n:,} documents segmented with a lexicon of {len(lexicon):,} words"


def _write_words(words: list[discovery.Word], out: Path) -> None:
    tmp = out.with_name(out.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            known = discovery.jieba_words()
            for w in words:
                f.write(f"{w.word}\t{w.count}\t{w.cohesion:.4f}\t{'known' if w.word in known else 'new'}\n")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
