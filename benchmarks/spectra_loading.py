"""Loading throughput: 10,000 contest-format text files (2,600 comma-separated
fluxes each) read through the contest index by the workbench (worker processes,
one per core, above 1,000 files), against a plain ``numpy.loadtxt`` loop over
the same files, in the same run.

    python benchmarks/spectra_loading.py [--files 10000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import common  # noqa: F401 - sets the path
import numpy as np


def write_set(folder: Path, n: int) -> Path:
    rng = np.random.default_rng(0)
    rows = ["id,type"]
    for i in range(n):
        np.savetxt(folder / f"{i}.txt", rng.normal(100, 10, (1, 2600)), delimiter=",", fmt="%.4f")
        rows.append(f"{i},star")
    (folder / "index.csv").write_text("\n".join(rows) + "\n")
    return folder / "index.csv"


def main() -> None:
    from engine.spectra import formats

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=10_000)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    index = write_set(folder, args.files)
    t0 = time.perf_counter()
    plain = [np.loadtxt(folder / f"{i}.txt", delimiter=",") for i in range(args.files)]
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = formats.read_contest_index(index)
    ours = time.perf_counter() - t0
    assert len(report.spectra) == len(plain) and np.allclose(report.spectra[-1].flux, plain[-1])
    print(f"{args.files:,} contest text files of 2,600 values, {os.cpu_count()} core(s)")
    print(f"  numpy.loadtxt loop   {args.files / base:8.0f} spectra/s")
    print(f"  workbench loader     {args.files / ours:8.0f} spectra/s   ({base / ours:.2f}× the loop)")


if __name__ == "__main__":
    main()
