"""Minimum-entropy word finding and segmentation against nlp-zero 0.1.6 on the same text.

Both sides build a lexicon from the generated corpus (``engine.corpus.generator``)
with the same thresholds (nlp-zero's defaults, min_proba 1e-7 and min_pmi 1) —
``min_entropy.find_words`` against ``Word_Finder.train`` + ``find`` — then segment
every line with it (``Segmenter.cut`` against ``Tokenizer.tokenize``).  Each side
runs in a fresh process pinned to one thread, reading the file as a stream; its
peak memory is that process's ru_maxrss, and its CPU time is printed beside the
wall time (steadier on a shared machine).  The sides alternate, best of
``--repeats``.  Targets (ANCHORS-PERF.md §8): time ≤ 1.0× and peak memory ≤ 1.0×
nlp-zero's.  The lexicons are compared too (share of words in both, and of
those, share with equal counts).

nlp-zero is not a dependency: install its sdist into a separate venv
(``python -m venv /tmp/nz && /tmp/nz/bin/pip install --no-deps nlp-zero==0.1.6``)
and pass ``--nlp-zero-python /tmp/nz/bin/python``, or pip-install it here for the
benchmark only.  It imports ``collections.Iterable``, gone since Python 3.10: the
child process below puts the alias back before importing it.

    python benchmarks/min_entropy_vs_nlpzero.py [--chars 1,10] [--repeats 3] [--nlp-zero-python PY]
    python benchmarks/min_entropy_vs_nlpzero.py --corpus novel.txt --nlp-zero-python PY
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import common  # noqa: F401 - sets the path

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = r"""
import json, resource, sys, time
path, out = {path!r}, {out!r}
def lines():
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield line.rstrip("\n")
def clock():
    return time.perf_counter(), time.process_time()
def report(lexicon, t0, t1, tokens):
    t2 = clock()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(lexicon, f, ensure_ascii=False)
    print(json.dumps({{"find_s": t1[0] - t0[0], "segment_s": t2[0] - t1[0], "total_s": t2[0] - t0[0],
                      "cpu_s": t2[1] - t0[1], "tokens": tokens, "words": len(lexicon),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

OURS = PRELUDE + r"""
sys.path.insert(0, {root!r})
t0 = clock()
from engine.corpus import min_entropy
lexicon = min_entropy.find_words(lines())
t1 = clock()
seg = min_entropy.Segmenter(lexicon)
tokens = sum(len(seg.cut(line)) for line in lines())
report(lexicon, t0, t1, tokens)
"""

NLP_ZERO = PRELUDE + r"""
import collections, collections.abc
collections.Iterable = collections.abc.Iterable  # nlp-zero 0.1.6 predates Python 3.10
t0 = clock()
from nlp_zero import Word_Finder
finder = Word_Finder(min_proba=1e-7, min_pmi=1)
finder.train(lines())
finder.find(lines())
t1 = clock()
tokenizer = finder.export_tokenizer()
tokens = sum(len(tokenizer.tokenize(line)) for line in lines())
report(dict(finder.words), t0, t1, tokens)
"""


def measure(python: str, template: str, path: Path, out: Path) -> dict:
    code = template.format(root=str(ROOT), path=str(path), out=str(out))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"{python} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def agreement(ours: dict[str, int], theirs: dict[str, int]) -> tuple[float, float]:
    """Jaccard share of the two word sets, and the share of common words with equal counts."""
    common_words = ours.keys() & theirs.keys()
    same = sum(ours[w] == theirs[w] for w in common_words)
    return len(common_words) / max(1, len(ours.keys() | theirs.keys())), same / max(1, len(common_words))


def main() -> None:
    from engine.corpus import generator

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chars", default="1,10", help="corpus sizes in millions of characters, comma-separated")
    ap.add_argument("--corpus", help="measure this text file (one document a line) instead of generated ones")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--nlp-zero-python", default=sys.executable, help="a Python that has nlp-zero 0.1.6")
    args = ap.parse_args()
    probe = [args.nlp_zero_python, "-c",
             "import importlib.util, sys; sys.exit(not importlib.util.find_spec('nlp_zero'))"]
    if subprocess.run(probe).returncode:
        print(f"skipped: {args.nlp_zero_python} has no nlp-zero (install its sdist in a separate venv and pass "
              "--nlp-zero-python, see this script's docstring)")
        return
    folder = Path(tempfile.mkdtemp())
    sides = {"ours": (sys.executable, OURS), "nlp-zero": (args.nlp_zero_python, NLP_ZERO)}
    print(f"{args.corpus or 'generated corpus'}; one thread per side, each in a fresh process; best of {args.repeats}")
    paths = [Path(args.corpus)] if args.corpus else \
        [generator.write(folder / f"corpus-{m}M.txt", characters=int(float(m) * 1e6)) for m in args.chars.split(",")]
    for path in paths:
        best: dict[str, dict] = {}
        for r in range(args.repeats):
            for name in (list(sides) if r % 2 == 0 else list(sides)[::-1]):  # alternate who goes first
                python, template = sides[name]
                got = measure(python, template, path, folder / f"{name}.json")
                kept = best.setdefault(name, got)
                for key in ("find_s", "segment_s", "total_s", "cpu_s", "peak_mb"):
                    kept[key] = min(kept[key], got[key])
        lexicons = {name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8")) for name in sides}
        jaccard, equal = agreement(lexicons["ours"], lexicons["nlp-zero"])
        o, z = best["ours"], best["nlp-zero"]
        chars = len(path.read_text(encoding="utf-8"))
        print(f"{path.name}: {chars / 1e6:.2f} M characters ({path.stat().st_size / 1e6:.1f} MB):")
        for name, r in best.items():
            print(f"  {name:9s} find {r['find_s']:7.2f} s | segment {r['segment_s']:7.2f} s | "
                  f"total {r['total_s']:7.2f} s (CPU {r['cpu_s']:7.2f} s) | peak {r['peak_mb']:6.0f} MB | "
                  f"{r['words']:,} words, {r['tokens']:,} tokens")
        print(f"  ratio ours/nlp-zero: find {o['find_s'] / z['find_s']:.2f}× | segment "
              f"{o['segment_s'] / z['segment_s']:.2f}× | total {o['total_s'] / z['total_s']:.2f}× (target ≤ 1.0; "
              f"CPU {o['cpu_s'] / z['cpu_s']:.2f}×) | peak memory {o['peak_mb'] / z['peak_mb']:.2f}× (target ≤ 1.0)")
        print(f"  lexicons: {jaccard:.1%} of the words in either are in both; {equal:.1%} of those have equal counts")


if __name__ == "__main__":
    main()
