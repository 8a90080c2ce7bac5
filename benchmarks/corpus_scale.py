"""Corpus scale: throughput (MB/s) and peak memory of word counting and new-word
discovery on a generated Chinese-like corpus (``engine.corpus.generator``) at
several sizes — or on a file of your own (``--corpus``) — each measured in a fresh
process.  Baselines in the same run: the post's naive count (one global dict,
token by token, one process) for the speed-up of 1 and 2 processes, and plain
jieba tokenisation (rjieba, no counting) for discovery's time (target: within 3×).
Peak memory target: under 4 GB at 1 GB.

With ``--kenlm PATH/count_ngrams`` the author's own pipeline (KenLM + the
repository's Python stages, ``word_discovery_port.py``) runs on the same text
with the same min count and thresholds, as the anchor of ANCHORS-PERF.md §3:
targets ≤ 1.5× its time and ≤ 2× its peak memory (the larger of count_ngrams'
and the Python stages'); the share of its top-1,000 multi-character words that
discovery also ranks in its top 1,000 is printed beside.  The anchor's published
figure at 16.9 MB (the novel ×4) is 226–231 MB, the figure to use without KenLM.

    python benchmarks/corpus_scale.py [--sizes 10,30] [--workers 2]
    python benchmarks/corpus_scale.py --corpus novel×4.txt --only discover --kenlm ~/kenlm/build/bin/count_ngrams
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
sys.path.insert(0, {root!r}); sys.path.insert(0, {root!r} + "/benchmarks")
from pathlib import Path
from engine.corpus import counting, discovery, readers
a = json.loads({args!r})
path, what, workers = a["path"], a["what"], a["workers"]
docs = lambda: readers.documents(path, "lines")
p = discovery.DiscoveryParams(4, a["min_count"], tuple(a["thresholds"]))
words = None
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
    words = {{w.word: w.count for w in discovery.discover(lambda: discovery.sentences(docs()), p)[0]}}
elif what == "anchor":
    import word_discovery_port
    words = word_discovery_port.discover(path, a["kenlm"], Path(a["folder"]), p.min_count, p.thresholds)
seconds = time.perf_counter() - t0
if words is not None:
    n = len(words)
    Path(a["folder"], what + ".json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak, "n": n}}))
"""


def measure(path: Path, what: str, args: argparse.Namespace, folder: Path, workers: int = 1) -> dict:
    from engine.corpus import discovery

    preset = discovery.PRESETS[args.preset]
    child = {"path": str(path), "what": what, "workers": workers, "folder": str(folder), "kenlm": args.kenlm,
             "min_count": args.min_count or preset.min_count, "thresholds": list(preset.thresholds)}
    code = CHILD.format(root=str(ROOT), args=json.dumps(child))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{what} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def top_overlap(folder: Path, k: int = 1000) -> float:
    """Share of the anchor's top-k multi-character words that discovery also has in its top k."""
    tops = []
    for what in ("anchor", "discover"):
        words = json.loads((folder / f"{what}.json").read_text(encoding="utf-8"))
        ranked = sorted(((-n, w) for w, n in words.items() if len(w) > 1 and w.strip()))
        tops.append({w for _, w in ranked[:k]})
    return len(tops[0] & tops[1]) / max(1, len(tops[0]))


def best(results: list[dict]) -> dict:
    return {"seconds": min(r["seconds"] for r in results), "peak_mb": min(r["peak_mb"] for r in results),
            "n": results[0]["n"]}


def main() -> None:
    from engine.corpus import discovery, generator

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,30", help="corpus sizes in MB, comma-separated (1000 for the 1 GB figure)")
    ap.add_argument("--corpus", help="measure this text file (one document a line) instead of generated ones")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=("all", "discover"), default="all", help="discover: skip the counting rows")
    ap.add_argument("--preset", default="first-upload", choices=sorted(discovery.PRESETS),
                    help="discovery's thresholds (and min count unless --min-count)")
    ap.add_argument("--min-count", type=int, default=0, help="discovery's min count (default: the preset's)")
    ap.add_argument("--kenlm", help="KenLM's count_ngrams binary: run the author's pipeline as the anchor")
    ap.add_argument("--repeats", type=int, default=1, help="runs of discovery and the anchor (alternating); best")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    paths = [Path(args.corpus)] if args.corpus else \
        [generator.write(folder / f"corpus-{mb:g}MB.txt", mb) for mb in (float(s) for s in args.sizes.split(","))]
    print("jieba segmentation through rjieba; peak memory of the measuring process (worker processes not included)")
    for path in paths:
        size = path.stat().st_size / 1e6
        print(f"{path.name}, {size:.1f} MB:")
        if args.only == "all":
            r = {k: measure(path, k, args, folder, w) for k, w in (("naive", 1), ("count", 1), ("chars", 1),
                                                                   ("tokenise", 1))}
            r["parallel"] = measure(path, "count", args, folder, args.workers)
            assert r["naive"]["n"] == r["count"]["n"] == r["parallel"]["n"]  # the same table, whatever the batching
            rate = {k: size / v["seconds"] for k, v in r.items()}
            s = {k: v["seconds"] for k, v in r.items()}
            print(f"  count (jieba)  naive 1 process {rate['naive']:5.2f} MB/s | batched 1 process "
                  f"{rate['count']:5.2f} MB/s ({s['naive'] / s['count']:.2f}×) | {args.workers} processes "
                  f"{rate['parallel']:5.2f} MB/s ({s['naive'] / s['parallel']:.2f}× naive, "
                  f"{s['count'] / s['parallel']:.2f}× batched); peak {r['count']['peak_mb']:.0f} MB")
            print(f"  count (chars)  {rate['chars']:5.2f} MB/s, peak {r['chars']['peak_mb']:.0f} MB")
        sides = ["discover"] + (["anchor"] if args.kenlm else [])
        runs: dict[str, list[dict]] = {s: [] for s in sides}
        for i in range(args.repeats):
            for side in (sides if i % 2 == 0 else sides[::-1]):
                runs[side].append(measure(path, side, args, folder))
        d = best(runs["discover"])
        line = f"  discover (n=4) {size / d['seconds']:5.2f} MB/s, peak {d['peak_mb']:.0f} MB, {d['n']:,} words"
        if args.only == "all":
            line += (f"; {d['seconds'] / r['tokenise']['seconds']:.1f}× the time of plain jieba tokenisation "
                     f"({rate['tokenise']:.2f} MB/s; target ≤ 3×)")
        print(line)
        if args.kenlm:
            a = best(runs["anchor"])
            print(f"  anchor (KenLM count_ngrams -S 1G + the repository's stages) {a['seconds']:.2f} s, peak "
                  f"{a['peak_mb']:.0f} MB | discovery/anchor: time {d['seconds'] / a['seconds']:.2f}× (target ≤ 1.5), "
                  f"peak memory {d['peak_mb'] / a['peak_mb']:.2f}× (target ≤ 2); top-1,000 multi-character words "
                  f"shared {top_overlap(folder):.1%}")


if __name__ == "__main__":
    main()
