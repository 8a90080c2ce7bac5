"""The Spectra bench's work besides training, as tasks: load a set, classify a
folder with a trained run, export one spectrum as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import UserError
from engine.io import atomic_path
from engine.params import param
from engine.spectra import formats
from engine.tasks import TaskContext, TaskSpec


@dataclass(frozen=True)
class PredictParams:
    run_dir: str = param("", "the trained run's folder", positional=True, gui=False)
    input: str = param("", "a folder of spectra, a contest index CSV, or one file", positional=True, gui=False)


@dataclass
class Predicted:
    table: object  # pandas.DataFrame: id, predicted, p_<class>…
    skipped: list


def predict(p: PredictParams, ctx: TaskContext | None = None) -> Predicted:
    from engine.spectra import training as spectra

    ctx = ctx or TaskContext()
    table, skipped = spectra.predict(p.run_dir, p.input, ctx)
    for name, why in skipped[:20]:
        ctx.warn(f"skipped {name}: {why}")
    if table.empty:
        raise UserError(f"{Path(p.input).name}: no spectrum could be classified"
                        + (f" ({len(skipped)} skipped, e.g. {skipped[0][0]}: {skipped[0][1]})" if skipped else ""))
    return Predicted(table, skipped)


def write_predictions(result: Predicted, path: Path | str) -> None:
    with atomic_path(path) as tmp:
        result.table.to_csv(tmp, index=False)


PREDICT = TaskSpec(
    "spectra-predict", "Classify spectra", PredictParams, predict,
    "Classify every spectrum of a folder, index or file with a trained run's best weights.",
    summary=lambda r: f"{len(r.table):,} spectra classified" + (f" ({len(r.skipped)} skipped)" if r.skipped else ""),
    outputs={".csv": lambda r, p, path: write_predictions(r, path)},
    out_required=True, out_help="CSV of id, predicted class and probabilities")


@dataclass(frozen=True)
class ExportParams:
    input: str = param("", "LAMOST or SDSS FITS, CSV, contest text file or .npz", positional=True, gui=False)


def read_one(p: ExportParams, ctx: TaskContext | None = None) -> formats.Spectrum:
    return formats.read_spectrum(p.input)


def _describe(s: formats.Spectrum) -> str:
    return (f"{len(s.flux):,} points, {s.wavelength[0]:.1f}–{s.wavelength[-1]:.1f} Å"
            f"{'' if s.ivar is not None else ', no ivar in this format'}")


EXPORT = TaskSpec(
    "spectra-export", "Export a spectrum", ExportParams, read_one,
    "Convert one spectrum file to a CSV of wavelength, flux and ivar.",
    summary=_describe, outputs={".csv": lambda s, p, path: formats.write_csv(s, path)},
    out_required=True, out_help="the CSV to write")
