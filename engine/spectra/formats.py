"""Read one spectrum from any supported file, or a folder or contest index of them.

Formats (FITS through astropy):

* LAMOST DR1–DR7 low-resolution FITS: the primary image holds rows flux, ivar,
  wavelength, andmask, ormask; the wavelength is recomputed from the header's
  solution log₁₀ λ = COEFF0 + COEFF1·i (CRVAL1/CD1_1 when COEFF* are absent),
  class from CLASS, id from OBSID or the file name.  DR8+ files keep the
  arrays as FLUX, IVAR, WAVELENGTH columns of a table in HDU 1; both load.
* SDSS ``spec-*.fits``: the COADD table (HDU 1) with ``loglam``, ``flux`` and
  ``ivar``; class from the SPECOBJ table's CLASS when present.
* The Tianchi/LAMOST contest layout: an index CSV of id and type, and one text
  file per spectrum of comma-separated fluxes on the contest's common grid of
  2,600 points over 3690–9100 Å (taken as linear: the contest does not say).
* A CSV of wavelength/flux (and optionally ivar) columns, with or without a
  header; a folder of such CSVs (or of any of the files above).
* ``.npz`` with ``wavelength`` and ``flux`` (and optionally ``ivar``, ``label``, ``id``).

Every reader raises :class:`SpectrumError` with a one-line cause; the folder
readers skip such files and list them in a report, so the rest still loads.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.io import atomic_open
from engine.pool import result, worker_pool
from engine.tasks import TaskContext

CONTEST_GRID = (3690.0, 9100.0, 2600)
FITS_SUFFIXES = (".fits", ".fit", ".fits.gz", ".fit.gz")
TABLE_SUFFIXES = (".csv", ".txt", ".dat", ".tsv")


class SpectrumError(UserError, ValueError):
    """A file that is not a readable spectrum."""


def _reason(exc: BaseException, limit: int = 160) -> str:
    """A library's error as a short clause of one line (astropy's span several)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class Spectrum:
    wavelength: np.ndarray  # Å, float64, increasing
    flux: np.ndarray  # float32, in the file's unit
    ivar: np.ndarray | None = None  # float32 inverse variance; None where the format has none
    id: str = ""
    label: str = ""  # class name where the file says it ("" when unknown)
    source: str = ""

    def __post_init__(self) -> None:
        self.wavelength = np.asarray(self.wavelength, np.float64).ravel()
        self.flux = np.asarray(self.flux, np.float32).ravel()
        if self.ivar is not None:
            self.ivar = np.asarray(self.ivar, np.float32).ravel()
        n = len(self.flux)
        if n < 2:
            raise SpectrumError(f"{self.id or self.source}: {n} flux value(s); a spectrum needs at least 2")
        if len(self.wavelength) != n or (self.ivar is not None and len(self.ivar) != n):
            raise SpectrumError(f"{self.id or self.source}: wavelength, flux and ivar have different lengths")
        if not np.all(np.isfinite(self.wavelength)):
            raise SpectrumError(f"{self.id or self.source}: the wavelengths contain NaN or infinite values")
        if self.wavelength[0] > self.wavelength[-1]:
            self.wavelength, self.flux = self.wavelength[::-1].copy(), self.flux[::-1].copy()
            self.ivar = None if self.ivar is None else self.ivar[::-1].copy()

    @property
    def bad(self) -> np.ndarray:
        """Pixels not to trust: non-finite flux, or zero inverse variance."""
        bad = ~np.isfinite(self.flux)
        if self.ivar is not None:
            bad |= ~(self.ivar > 0)
        return bad


def contest_grid() -> np.ndarray:
    lo, hi, n = CONTEST_GRID
    return np.linspace(lo, hi, n)


# -- FITS -----------------------------------------------------------------------
def _fits(path: Path):
    from astropy.io import fits

    try:
        return fits.open(path, memmap=False)
    except (OSError, ValueError, TypeError, EOFError) as exc:
        raise SpectrumError(f"{path.name}: not a readable FITS file ({_reason(exc)})") from exc


def _label(value: object) -> str:
    text = str(value).strip().lower() if value is not None else ""
    return text if text and text != "none" else ""


def read_fits(path: Path) -> Spectrum:
    """A truncated file is an error here, not astropy's warning: its data would be partly missing."""
    import warnings

    from astropy.utils.exceptions import AstropyUserWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", AstropyUserWarning)
        try:
            return _read_fits(path)
        except AstropyUserWarning as exc:
            raise SpectrumError(f"{path.name}: damaged FITS file ({_reason(exc)})") from exc


def _read_fits(path: Path) -> Spectrum:
    with _fits(path) as hdus:
        try:
            if len(hdus) > 1 and hdus[1].columns is not None and "loglam" in [c.lower() for c in hdus[1].columns.names]:
                return _sdss(path, hdus)
            if hdus[0].data is not None and np.ndim(hdus[0].data) == 2:
                return _lamost_image(path, hdus[0])
            if len(hdus) > 1 and getattr(hdus[1], "columns", None) is not None:
                return _lamost_table(path, hdus)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            if isinstance(exc, SpectrumError):
                raise
            raise SpectrumError(f"{path.name}: FITS file without the expected spectrum layout "
                                f"({_reason(exc)})") from exc
    raise SpectrumError(f"{path.name}: FITS file is neither a LAMOST nor an SDSS spectrum")


def lamost_wavelength(header, n: int) -> np.ndarray:
    """λ from a LAMOST header: log₁₀ λ = COEFF0 + COEFF1·i (or CRVAL1 + CD1_1·i)."""
    if "COEFF0" in header and "COEFF1" in header:
        c0, c1 = float(header["COEFF0"]), float(header["COEFF1"])
    elif "CRVAL1" in header and ("CD1_1" in header or "CDELT1" in header):
        c0, c1 = float(header["CRVAL1"]), float(header.get("CD1_1", header.get("CDELT1")))
    else:
        raise SpectrumError("the header has no wavelength solution (COEFF0/COEFF1 or CRVAL1/CD1_1)")
    return 10.0 ** (c0 + c1 * np.arange(n))


def _lamost_image(path: Path, hdu) -> Spectrum:
    data, h = np.asarray(hdu.data, dtype=np.float64), hdu.header
    if data.shape[0] < 2:
        raise SpectrumError(f"{path.name}: the LAMOST image has {data.shape[0]} row(s); expected flux and ivar")
    try:
        wave = lamost_wavelength(h, data.shape[1])
    except SpectrumError as exc:
        raise SpectrumError(f"{path.name}: {exc}") from exc
    ident = str(h.get("OBSID", "") or path.name.split(".")[0])
    return Spectrum(wave, data[0], data[1], ident, _label(h.get("CLASS")), str(path))


def _lamost_table(path: Path, hdus) -> Spectrum:
    row = hdus[1].data
    cols = {c.upper(): c for c in hdus[1].columns.names}
    if "FLUX" not in cols or "WAVELENGTH" not in cols:
        raise SpectrumError(f"{path.name}: the table has no FLUX and WAVELENGTH columns")
    flux = np.asarray(row[cols["FLUX"]]).ravel()
    wave = np.asarray(row[cols["WAVELENGTH"]]).ravel()
    ivar = np.asarray(row[cols["IVAR"]]).ravel() if "IVAR" in cols else None
    h = hdus[0].header
    ident = str(h.get("OBSID", "") or path.name.split(".")[0])
    return Spectrum(wave, flux, ivar, ident, _label(h.get("CLASS")), str(path))


def _sdss(path: Path, hdus) -> Spectrum:
    table = hdus[1].data
    cols = {c.lower(): c for c in hdus[1].columns.names}
    wave = 10.0 ** np.asarray(table[cols["loglam"]], dtype=np.float64)
    ivar = np.asarray(table[cols["ivar"]]) if "ivar" in cols else None
    label = ""
    if len(hdus) > 2 and getattr(hdus[2], "columns", None) is not None and "CLASS" in hdus[2].columns.names:
        label = _label(hdus[2].data["CLASS"][0])
    return Spectrum(wave, table[cols["flux"]], ivar, path.name.split(".")[0], label, str(path))


# -- text ------------------------------------------------------------------------
def parse_fluxes(text: str, name: str, expected: int | None = None) -> np.ndarray:
    """Comma-separated fluxes (the contest's files): fast, and strict about the count."""
    try:
        flux = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float32, ndmin=1).ravel()
    except ValueError as exc:
        raise SpectrumError(f"{name}: not a list of numbers ({_reason(exc)})") from exc
    if expected is not None and len(flux) != expected:
        raise SpectrumError(f"{name}: {len(flux)} values where the contest grid has {expected}")
    return flux


WAVE_NAMES = ("wavelength", "wave", "lambda", "lam", "wl", "loglam")


def read_table(path: Path) -> Spectrum:
    """Columns wavelength, flux[, ivar] — named in a header or in that order."""
    text = _read_text(path)
    if "," not in text.split("\n", 1)[0] and "\t" not in text and " " not in text.strip().split("\n", 1)[0]:
        raise SpectrumError(f"{path.name}: one value a line; expected wavelength and flux columns")
    first = text.lstrip().split("\n", 1)[0]
    if text.count("\n") <= 1 and first.count(",") > 10:  # a single line of fluxes: the contest's format
        flux = parse_fluxes(text, path.name)
        if len(flux) != CONTEST_GRID[2]:
            raise SpectrumError(f"{path.name}: a single line of {len(flux)} fluxes; the contest grid has "
                                f"{CONTEST_GRID[2]} (for other grids add a wavelength column)")
        return Spectrum(contest_grid(), flux, None, path.stem, "", str(path))
    delim = "," if "," in first else None
    try:
        dialect_header = csv.Sniffer().has_header(text[:4096]) if delim == "," else not _numeric(first)
    except csv.Error:
        dialect_header = not _numeric(first)
    try:
        arr = np.genfromtxt(io.StringIO(text), delimiter=delim, names=True if dialect_header else None,
                            dtype=np.float64, invalid_raise=True)
    except ValueError as exc:
        raise SpectrumError(f"{path.name}: not a table of numbers ({str(exc).splitlines()[0]})") from exc
    if dialect_header and arr.dtype.names:
        names = {n.lower(): n for n in arr.dtype.names}
        wave_key = next((names[k] for k in WAVE_NAMES if k in names), arr.dtype.names[0])
        flux_key = names.get("flux", arr.dtype.names[1] if len(arr.dtype.names) > 1 else None)
        if flux_key is None:
            raise SpectrumError(f"{path.name}: needs a wavelength and a flux column")
        wave = np.atleast_1d(arr[wave_key])
        if wave_key.lower() == "loglam":
            wave = 10.0 ** wave
        ivar = np.atleast_1d(arr[names["ivar"]]) if "ivar" in names else None
        return Spectrum(wave, np.atleast_1d(arr[flux_key]), ivar, path.stem, "", str(path))
    arr = np.atleast_2d(arr)
    if arr.shape[1] < 2:
        raise SpectrumError(f"{path.name}: needs a wavelength and a flux column")
    return Spectrum(arr[:, 0], arr[:, 1], arr[:, 2] if arr.shape[1] > 2 else None, path.stem, "", str(path))


def _numeric(line: str) -> bool:
    try:
        [float(v) for v in line.replace(",", " ").split()]
        return True
    except ValueError:
        return False


def _read_text(path: Path) -> str:
    raw = _open(path)
    if b"\x00" in raw[:4096]:
        raise SpectrumError(f"{path.name}: a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _open(path: Path) -> bytes:
    import gzip

    try:
        raw = path.read_bytes()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError) as exc:
        raise SpectrumError(f"{path.name}: cannot be read ({_reason(exc)})") from exc


def read_npz(path: Path) -> Spectrum:
    try:
        with np.load(path, allow_pickle=False) as z:
            if "wavelength" not in z or "flux" not in z:
                raise SpectrumError(f"{path.name}: an .npz spectrum needs 'wavelength' and 'flux' arrays")
            return Spectrum(z["wavelength"], z["flux"], z["ivar"] if "ivar" in z else None,
                            str(z["id"]) if "id" in z else path.stem, str(z["label"]) if "label" in z else "",
                            str(path))
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        if isinstance(exc, SpectrumError):
            raise
        raise SpectrumError(f"{path.name}: not a readable .npz file ({_reason(exc)})") from exc


def read_spectrum(path: Path | str) -> Spectrum:
    """One spectrum from a file of any supported format (chosen by content, then by name)."""
    path = Path(path)
    if not path.is_file():
        raise SpectrumError(f"{path}: no such file")
    head = _open(path)[:80]
    if head.startswith(b"SIMPLE  ="):
        return read_fits(path)
    if head.startswith(b"PK"):
        return read_npz(path)
    if path.name.lower().endswith(FITS_SUFFIXES):
        raise SpectrumError(f"{path.name}: named FITS but does not start as one (corrupt or truncated)")
    return read_table(path)


# -- many files ----------------------------------------------------------------------
@dataclass
class LoadReport:
    spectra: list[Spectrum] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why), ``why`` without the file's name
    cancelled: bool = False

    def summary(self) -> str:
        text = f"{len(self.spectra):,} spectra"
        if self.skipped:
            text += f"; {len(self.skipped):,} file(s) skipped (see the report)"
        return text + (" — cancelled before the end" if self.cancelled else "")


CHUNK = 256  # files per worker task: progress and cancel are checked between chunks
PARALLEL_FROM = 1000  # below this many files the worker start-up costs more than it saves


def _read_contest(path: Path, label: str) -> Spectrum:
    if not path.is_file():
        raise SpectrumError(f"{path.name}: named in the index but missing")
    flux = parse_fluxes(_read_text(path), path.name, CONTEST_GRID[2])
    return Spectrum(contest_grid(), flux, None, path.stem, label, str(path))


def _read_chunk(jobs: list[tuple[Path, str | None]]) -> list[Spectrum | tuple[str, str]]:
    """Read (path, contest label or None) pairs; a failure comes back as (file, why)."""
    out: list[Spectrum | tuple[str, str]] = []
    for path, label in jobs:
        try:
            out.append(read_spectrum(path) if label is None else _read_contest(path, label))
        except SpectrumError as exc:
            out.append((path.name, str(exc).removeprefix(f"{path.name}: ")))  # the name once, not twice
    return out


def _each(jobs: list[tuple[Path, str | None]], ctx: TaskContext | None, workers: int | None = None) -> LoadReport:
    """Read every file, in worker processes when there are many (parsing holds the GIL).

    Between chunks: Cancel raises (workers are terminated), Stop early keeps what was read."""
    ctx = ctx or TaskContext()
    report = LoadReport()
    chunks = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    if workers is None:
        workers = (os.cpu_count() or 1) if len(jobs) >= PARALLEL_FROM else 1
    done = 0

    def take(results: list) -> None:
        nonlocal done
        for r in results:
            (report.spectra if isinstance(r, Spectrum) else report.skipped).append(r)
        done += len(results)
        ctx.progress(done, len(jobs), f"{done:,}/{len(jobs):,} files")

    def stopping() -> bool:
        ctx.checkpoint()
        report.cancelled = ctx.stop_requested
        return report.cancelled

    if workers <= 1:
        for chunk in chunks:
            if stopping():
                break
            take(_read_chunk(chunk))
        return report
    with worker_pool(workers) as pool:
        pending = [pool.submit(_read_chunk, c) for c in chunks]
        for future in pending:  # in order, so the set is in file order
            if stopping():
                break
            chunk = result(future, ctx, stop_early=True)
            if chunk is None:
                report.cancelled = True
                break
            take(chunk)
    return report


def spectrum_files(folder: Path) -> list[Path]:
    suffixes = FITS_SUFFIXES + TABLE_SUFFIXES + (".npz", ".gz")
    return sorted(Path(root) / f for root, _, files in os.walk(folder) for f in files
                  if f.lower().endswith(suffixes) and not f.startswith("."))


def read_folder(folder: Path | str, ctx: TaskContext | None = None) -> LoadReport:
    folder = Path(folder)
    if not folder.is_dir():
        raise SpectrumError(f"{folder}: no such folder")
    paths = spectrum_files(folder)
    if not paths:
        raise SpectrumError(f"{folder}: no spectrum files (FITS, CSV, text, .npz) in this folder")
    return _each([(p, None) for p in paths], ctx)


def _contest_jobs(index: Path, folder: Path | str | None) -> list[tuple[Path, str]]:
    """(file, label) of each spectrum a contest index lists; refused when none of the files is there."""
    folder = Path(folder) if folder else index.parent
    try:
        rows = list(csv.reader(io.StringIO(_read_text(index))))
    except csv.Error as exc:
        raise SpectrumError(f"{index.name}: not a CSV index ({_reason(exc)})") from exc
    if rows and not _numeric(rows[0][0]) and rows[0][0].lower() in ("id", "obsid", "name"):
        rows = rows[1:]
    rows = [r for r in rows if r and r[0].strip()]
    if not rows:
        raise SpectrumError(f"{index.name}: the index lists no spectra")
    labels = {r[0].strip(): (r[1].strip().lower() if len(r) > 1 else "") for r in rows}
    jobs = [(folder / f"{i}.txt", lab) for i, lab in labels.items()]
    for path, _ in jobs:
        if path.is_file():
            return jobs
    shown = ", ".join(p.name for p, _ in jobs[:3]) + (f" and {len(jobs) - 3:,} more" if len(jobs) > 3 else "")
    raise SpectrumError(f"{index.name}: none of the {len(jobs):,} spectra it lists is in {folder} "
                        f"(missing: {shown})")


def read_contest_index(index: Path | str, folder: Path | str | None = None,
                       ctx: TaskContext | None = None) -> LoadReport:
    """The contest layout: ``index`` lists id,type; ``<folder>/<id>.txt`` holds the fluxes."""
    return _each(_contest_jobs(Path(index), folder), ctx)


def check_source(source: Path | str) -> None:
    """Refuse, in one line, a source :func:`load_any` could not read any spectrum from — without
    reading a folder's files (a training job checks its data this way before it starts)."""
    path = Path(source)
    if not path.exists():
        raise SpectrumError(f"{source}: no such file or folder")
    if path.is_dir():
        if not spectrum_files(path):
            raise SpectrumError(f"{path}: no spectrum files (FITS, CSV, text, .npz) in this folder")
    elif path.suffix.lower() == ".csv" and _looks_like_index(path):
        _contest_jobs(path, None)
    else:
        read_spectrum(path)


def load_any(source: Path | str, ctx: TaskContext | None = None) -> LoadReport:
    """A folder, a contest index (a .csv whose rows are id,type), or a single spectrum file."""
    path = Path(source)
    if path.is_dir():
        return read_folder(path, ctx)
    if path.suffix.lower() == ".csv" and _looks_like_index(path):
        return read_contest_index(path, ctx=ctx)
    return LoadReport([read_spectrum(path)])


def _looks_like_index(path: Path) -> bool:
    try:
        first = _read_text(path).lstrip().split("\n", 1)[0].lower().replace(" ", "")
    except SpectrumError:
        return False
    return first.startswith(("id,type", "id,class", "obsid,class", "id,label"))


def write_csv(spectrum: Spectrum, out: Path | str) -> None:
    """``wavelength,flux,ivar`` (ivar empty where there is none), through the atomic writer."""
    ivar = spectrum.ivar
    with atomic_open(out, newline="") as f:
        f.write("wavelength,flux,ivar\n")
        for i, (w, fl) in enumerate(zip(spectrum.wavelength, spectrum.flux)):
            f.write(f"{w:.6f},{fl:.9g},{'' if ivar is None else format(ivar[i], '.9g')}\n")
