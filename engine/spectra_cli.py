"""The spectra verbs of ``main.py``: spectra-train, spectra-predict, spectra-export."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine import jobs, params
from engine.errors import UserError
from engine.spectra import formats
from engine.train import spectra

VERBS = ("spectra-train", "spectra-predict", "spectra-export")


def add_verbs(verbs, ws_help: str) -> None:
    tr = verbs.add_parser("spectra-train", help="train the Conv1D spectral classifier (kexue.fm/archives/5505)",
                          description=spectra.JOB.description)
    params.add_arguments(tr, spectra.SpectraParams)
    tr.add_argument("--workspace", type=Path, default=jobs.default_workspace(), help=ws_help)
    pr = verbs.add_parser("spectra-predict", help="classify spectra with a trained run; writes a CSV")
    pr.add_argument("run_dir", type=Path, help="the trained run's folder")
    pr.add_argument("input", type=Path, help="a folder of spectra, a contest index CSV, or one file")
    pr.add_argument("--out", type=Path, required=True, help="CSV of id, predicted class and probabilities")
    ex = verbs.add_parser("spectra-export", help="convert one spectrum file to wavelength,flux,ivar CSV")
    ex.add_argument("input", type=Path, help="LAMOST or SDSS FITS, CSV, contest text file or .npz")
    ex.add_argument("--out", type=Path, required=True, help="the CSV to write")


def _bar(done: int, total: int) -> None:
    sys.stderr.write(f"\rreading {done:,}/{total:,} files")
    if done == total:
        sys.stderr.write("\n")


def main(parser: argparse.ArgumentParser, args: argparse.Namespace, run_job) -> int:
    if args.verb == "spectra-train":
        try:
            p = params.from_args(spectra.SpectraParams, args)
        except params.ParamError as exc:
            parser.error(str(exc))
        return run_job(spectra.JOB, p, args.workspace)
    try:
        if args.verb == "spectra-predict":
            table, skipped = spectra.predict(args.run_dir, args.input, progress=_bar)
            _atomic_csv(table, args.out)
            for name, why in skipped:
                print(f"skipped {name}: {why}", file=sys.stderr)
            print(f"{len(table):,} spectra classified → {args.out}" +
                  (f" ({len(skipped)} skipped)" if skipped else ""))
            return 0
        s = formats.read_spectrum(args.input)
        formats.write_csv(s, args.out)
        print(f"{len(s.flux):,} points, {s.wavelength[0]:.1f}–{s.wavelength[-1]:.1f} Å"
              f"{'' if s.ivar is not None else ', no ivar in this format'} → {args.out}")
        return 0
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ncancelled; no output written", file=sys.stderr)
        return 130


def _atomic_csv(table, out: Path) -> None:
    tmp = out.with_name(out.name + ".part")
    try:
        table.to_csv(tmp, index=False)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
