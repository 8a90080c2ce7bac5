"""``python main.py count`` against the loop a user would write instead, whole processes each.

Both sides start a fresh interpreter and count the same generated corpus with
rjieba: the baseline is ``Counter.update(rjieba.cut(line))`` over the file's
lines; the verb reads, batches and counts through the engine (one worker, so
the comparison is of overhead, not of parallelism) and writes its table.
Printed: best wall time of each over ``--repeat`` alternating runs, the ratio
(target ≤ 1.2×), and each side's peak memory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.corpus import generator  # noqa: E402

BASELINE = ("import sys, collections, rjieba\nc = collections.Counter()\n"
            "with open(sys.argv[1], encoding='utf-8') as f:\n"
            "    for line in f:\n        c.update(rjieba.cut(line.rstrip('\\n')))\n"
            "print(len(c))\n")


def timed(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak MB) of one child process."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chars", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    corpus = generator.write(folder / "corpus.txt", characters=args.chars)
    ours_cmd = [sys.executable, "main.py", "count", str(corpus), "--workers", "1", "--out", str(folder / "f.tsv")]
    base_cmd = [sys.executable, "-c", BASELINE, str(corpus)]
    ours, base = [], []
    for _ in range(args.repeat):
        base.append(timed(base_cmd))
        ours.append(timed(ours_cmd))
    b, o = min(base), min(ours)
    print(f"count on {args.chars:,} generated characters, whole processes, best of {args.repeat}")
    print(f"  plain rjieba + Counter loop  {b[0]:6.2f} s  {max(m for _, m in base):6.0f} MB peak")
    print(f"  python main.py count         {o[0]:6.2f} s  {max(m for _, m in ours):6.0f} MB peak")
    print(f"  ratio                        {o[0] / b[0]:6.2f}×  (target ≤ 1.2×)")


if __name__ == "__main__":
    main()
