"""Macro-F1 of the Conv1D classifier on a held-out split of the synthetic demo set,
with its confusion matrix, against scikit-learn's logistic regression trained on
the same preprocessed training spectra, in the same run.

Difficulty (the demo set's defaults): 2,000 spectra, star/galaxy/qso/unknown in
shares 0.55/0.15/0.15/0.15; per-pixel signal-to-noise log-uniform in 3–30;
galaxies at z ≤ 0.3, QSOs at 0.1 ≤ z ≤ 3; "unknown" is a spectrum of any class
at S/N < 1 or a flat trace with cosmic-ray spikes.  Training: the post's
two stages and batch shares, width 8 (a CPU-sized net), 30 steps an epoch,
6 cross-entropy epochs then 3 macro-F1 epochs.

    python benchmarks/spectra_quality.py [--width 8] [--steps 30] [--threads 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import common  # noqa: F401 - sets the path
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from engine import events as ev
from engine.data.images import split_indices
from engine.jobs import execute
from engine.spectra import training as spectra


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--width", type=int, default=8)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    p = spectra.SpectraParams(width=args.width, steps_per_epoch=args.steps, ce_epochs=6, f1_epochs=3, device="cpu")
    data, _ = spectra.load_labelled(p)
    train, val = split_indices(len(data.y), p.val_fraction, p.seed, "synthetic")  # the job's own split
    t0 = time.perf_counter()
    logistic = LogisticRegression(max_iter=2000).fit(data.x[train], data.y[train])
    base = f1_score(data.y[val], logistic.predict(data.x[val]), average="macro")
    base_s = time.perf_counter() - t0
    sink = ev.ListSink()
    t0 = time.perf_counter()
    out = execute(spectra.JOB, p, tempfile.mkdtemp(), [sink])
    ours_s = time.perf_counter() - t0
    if out.status != "completed":
        raise SystemExit(f"training {out.status}: {out.error}")
    last = [a.payload for a in sink.of(ev.Artifact) if a.kind == "confusion"][-1]
    f1 = [e.values["macro_f1"] for e in sink.of(ev.Metrics) if e.phase == "val"]
    cm, classes = last["matrix"], [str(c) for c in last["classes"]]
    print(f"synthetic demo set, {len(data.y):,} spectra, {len(val)} held out; {args.threads} CPU thread(s)")
    print(f"  logistic regression   macro-F1 {base:.3f}   ({base_s:.0f} s)")
    print(f"  Conv1D (width {args.width})     macro-F1 {f1[-1]:.3f} at the end, best {max(f1):.3f}   "
          f"({ours_s:.0f} s, {out.summary.get('epochs')} epochs)")
    print("  confusion matrix of the last epoch (rows true, columns predicted):")
    print("    " + "".join(f"{c:>9s}" for c in classes))
    for name, row in zip(classes, cm):
        print(f"    {name:8s}" + "".join(f"{v:9d}" for v in row))
    per_class = spectra.f1_per_class(cm)
    print("  per-class F1: " + ", ".join(f"{c} {v:.3f}" for c, v in zip(classes, per_class)))


if __name__ == "__main__":
    main()
