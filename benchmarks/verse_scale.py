"""The verse VAE at the size of the Complete Tang Poems: a synthetic collection of
50,000 five-character poems (about 200,000 couplets, 6,000 characters drawn by a
Zipf law), written as the author's text file.  Measured in the same run:

* reading and cutting it with ``engine.text.verse.load`` against the author's
  whole-file regular expression;
* the nearest-training-couplet look-up (one sparse product) against a numpy
  brute force comparing every position of every training couplet;
* training throughput of the post's model on one CPU thread.

    python benchmarks/verse_scale.py [--poems 50000] [--queries 200]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import common  # noqa: F401 - sets the path
import numpy as np
import torch


def write_collection(path: Path, poems: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    chars = np.array([chr(0x4E00 + i) for i in range(6000)])
    p = 1.0 / np.arange(1, 6001)
    lines = []
    for i in range(poems):
        body = chars[rng.choice(6000, size=(4, 10), p=p / p.sum())]
        lines.append(f"卷{i} 【无题】佚名")
        lines.append("\u3000\u3000" + "".join("".join(r[:5]) + "，" + "".join(r[5:]) + "。" for r in body))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def authors_extraction(path: Path) -> list[str]:
    """vae_shi.py's lines, for the baseline."""
    with open(path, encoding="utf-8", newline="") as fh:  # codecs.open keeps "\r\n", as the regex needs
        s = fh.read()
    found = re.findall("\u3000\u3000(.{5}，.{5}。.*?)\r\n", s)
    shi = [j for i in found for j in i.split("。") if j]
    return [i[:5] + i[6:] for i in shi if len(i) == 11]


def brute_nearest(train: np.ndarray, queries: np.ndarray) -> np.ndarray:
    out = np.empty(len(queries), dtype=np.int64)
    for i, q in enumerate(queries):
        out[i] = (train == q).sum(1).max()
    return out


def best(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    from engine.text import verse
    from engine.train.verse import Poet, VerseParams, VerseTask

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--poems", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(1)
    path = Path(tempfile.mkdtemp()) / "shi.txt"
    write_collection(path, args.poems)

    found = verse.load(path)
    assert found.samples == authors_extraction(path)
    t_author = best(lambda: authors_extraction(path))
    t_ours = best(lambda: verse.load(path))
    n, v = len(found.samples), found.distinct
    print(f"{args.poems:,} poems → {n:,} couplets, {v:,} distinct characters")
    print(f"  author's regex, whole file   {n / t_author:10,.0f} couplets/s")
    print(f"  verse.load, streamed         {n / t_ours:10,.0f} couplets/s   ({t_author / t_ours:.2f}× the regex)")

    vocab = found.vocabulary()
    p = VerseParams(device="cpu")
    task = VerseTask(p, vocab, torch.device("cpu"))
    poet = Poet(task, found.samples)
    train_ids = verse.encode(found.samples, vocab)
    lines = task.sample(args.queries)
    queries = verse.encode([s.replace("，", "") for s in lines], vocab)
    shared = [k for _, k in poet.nearest(lines)]
    assert shared == brute_nearest(train_ids, queries).tolist()
    t_brute = best(lambda: brute_nearest(train_ids, queries))
    t_sparse = best(lambda: poet.nearest(lines))
    print(f"nearest training couplet of {args.queries} generated couplets among {n:,}")
    print(f"  numpy brute force            {args.queries / t_brute:10,.0f} queries/s")
    print(f"  sparse product (Poet)        {args.queries / t_sparse:10,.0f} queries/s   "
          f"({t_brute / t_sparse:.1f}× the brute force)")

    x = torch.from_numpy(train_ids[:64 * 50])
    y = torch.zeros(len(x), dtype=torch.int64)
    task.train(True)

    def fifty_steps() -> None:
        for i in range(50):
            task.train_step(x[i * 64:(i + 1) * 64], y[:64])

    t_train = best(fifty_steps, repeats=2)
    per_epoch = n / 64 * t_train / 50
    print(f"training, batch 64, vocabulary {v:,}, one CPU thread: {50 / t_train:.1f} steps/s, "
          f"{per_epoch / 60:.1f} min an epoch of {n:,} couplets")


if __name__ == "__main__":
    main()
