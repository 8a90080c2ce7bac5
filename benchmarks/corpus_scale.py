"""Corpus scale: throughput (MB/s) and peak memory of word counting and new-word
discovery on a generated Chinese-like corpus (``engine.corpus.generator``) at
several sizes, each measured in a fresh process.  Baselines in the same run:
the post's naive count (one global dict, token by token, one process) for the
speed-up of 1 and 2 processes, and plain jieba tokenisation (rjieba, no counting)
for discovery's time (target: within 3×).  Peak memory target: under 4 GB at 1 GB.

    python benchmarks/corpus_scale.py [--sizes 10,30] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import common  # noqa: F401 - sets the path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from engine.corpus import counting, discovery, readers
path, what, workers = {path!r}, {what!r}, {workers}
docs = lambda: readers.documents(path, "lines")
t0 = time.perf_counter()
if what == "naive":
    n = len(counting.naive_count(docs(), counting.Tokenizer("jieba")))
elif what == "count":
    n = len(counting.count(docs(), counting.Tokenizer("jieba"), workers))
elif what == "chars":
    n = len(counting.count(docs(), counting.Tokenizer("chars"), workers))
elif what == "tokenise":
    cut = counting.Tokenizer("jieba")
    n = sum(len(cut(d.text)) for d in docs())
elif what == "discover":
    n = len(discovery.discover(lambda: discovery.sentences(docs()))[0])
seconds = time.perf_counter() - t0
print(json.dumps({{"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "n": n}}))
"""


def measure(path: Path, what: str, workers: int = 1) -> dict:
    code = CHILD.format(root=str(ROOT), path=str(path), what=what, workers=workers)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from engine.corpus import generator

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,30", help="corpus sizes in MB, comma-separated (1000 for the 1 GB figure)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    print("generated Chinese-like corpus; jieba segmentation through rjieba; peak memory of the measuring process "
          "(worker processes not included)")
    for mb in (float(s) for s in args.sizes.split(",")):
        path = generator.write(folder / f"corpus-{mb:g}MB.txt", mb)
        size = path.stat().st_size / 1e6
        r = {k: measure(path, k, w) for k, w in (("naive", 1), ("count", 1), ("chars", 1), ("tokenise", 1),
                                                 ("discover", 1))}
        r["parallel"] = measure(path, "count", args.workers)
        assert r["naive"]["n"] == r["count"]["n"] == r["parallel"]["n"]  # the same table, whatever the batching
        rate = {k: size / v["seconds"] for k, v in r.items()}
        print(f"{size:7.1f} MB:")
        print(f"  count (jieba)  naive 1 process {rate['naive']:5.2f} MB/s | batched 1 process {rate['count']:5.2f} MB/s "
              f"({r['naive']['seconds'] / r['count']['seconds']:.2f}×) | {args.workers} processes "
              f"{rate['parallel']:5.2f} MB/s ({r['naive']['seconds'] / r['parallel']['seconds']:.2f}× naive, "
              f"{r['count']['seconds'] / r['parallel']['seconds']:.2f}× batched); peak {r['count']['peak_mb']:.0f} MB")
        print(f"  count (chars)  {rate['chars']:5.2f} MB/s, peak {r['chars']['peak_mb']:.0f} MB")
        print(f"  discover (n=4) {rate['discover']:5.2f} MB/s, peak {r['discover']['peak_mb']:.0f} MB, "
              f"{r['discover']['n']:,} words; {r['discover']['seconds'] / r['tokenise']['seconds']:.1f}× the time of "
              f"plain jieba tokenisation ({rate['tokenise']:.2f} MB/s; target ≤ 3×)")


if __name__ == "__main__":
    main()
