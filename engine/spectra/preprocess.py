"""The post's preprocessing (SEEDS.md §11): every spectrum onto one wavelength
grid, then standardised per spectrum; optionally bad pixels masked by ivar
and the continuum divided out.

* Masking: pixels with ivar ≤ 0 or non-finite flux are replaced by linear
  interpolation from their good neighbours before resampling.
* Resampling: linear interpolation (numpy) onto the target grid; outside a
  spectrum's own range the flux is 0 after standardisation (no information).
* Continuum: a running median (scipy.ndimage) over ``continuum_width`` pixels,
  wide enough to pass over lines; the flux is divided by it (or, where it is
  not positive, has it subtracted).
* Standardisation: (f − mean) / std per spectrum (the contest's author divided
  by 100; per-spectrum scaling makes files in different flux units comparable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from engine.spectra.formats import Spectrum, SpectrumError, contest_grid


@dataclass(frozen=True)
class Preprocessing:
    mask_bad: bool = True
    continuum: bool = False
    continuum_width: int = 101
    standardise: bool = True


def masked_flux(s: Spectrum) -> np.ndarray:
    flux = s.flux.astype(np.float64)
    bad = s.bad
    if bad.all():
        raise SpectrumError(f"{s.id}: every pixel is bad (NaN flux or zero ivar)")
    if bad.any():
        good = ~bad
        flux[bad] = np.interp(s.wavelength[bad], s.wavelength[good], flux[good])
    return flux


def remove_continuum(flux: np.ndarray, width: int) -> np.ndarray:
    cont = median_filter(flux, size=max(3, width | 1), mode="nearest")
    positive = cont > 1e-12 * max(1.0, np.abs(cont).max())
    return np.where(positive, flux / np.where(positive, cont, 1.0), flux - cont)


def standardise(flux: np.ndarray) -> np.ndarray:
    sd = flux.std()
    return (flux - flux.mean()) / (sd if sd > 0 else 1.0)


def covered(s: Spectrum, grid: np.ndarray) -> np.ndarray:
    """Which points of ``grid`` lie within the spectrum's own range (elsewhere :func:`prepare` pads with 0)."""
    return (grid >= s.wavelength[0]) & (grid <= s.wavelength[-1])


def prepare(s: Spectrum, grid: np.ndarray, p: Preprocessing = Preprocessing()) -> np.ndarray:
    """The spectrum as the classifier sees it: float32 on ``grid``."""
    flux = masked_flux(s) if p.mask_bad else s.flux.astype(np.float64)
    if not np.all(np.isfinite(flux)):
        raise SpectrumError(f"{s.id}: NaN or infinite flux (turn on masking of bad pixels)")
    inside = covered(s, grid)
    if not inside.any():
        raise SpectrumError(f"{s.id}: covers {s.wavelength[0]:.0f}–{s.wavelength[-1]:.0f} Å, outside the grid "
                            f"{grid[0]:.0f}–{grid[-1]:.0f} Å")
    out = np.interp(grid, s.wavelength, flux)
    if p.continuum:
        out = remove_continuum(out, p.continuum_width)
    if p.standardise:
        out[inside] = standardise(out[inside])
    out[~inside] = 0.0
    return out.astype(np.float32)


def matrix(spectra: list[Spectrum], grid: np.ndarray | None = None,
           p: Preprocessing = Preprocessing()) -> tuple[np.ndarray, list[int], list[tuple[str, str]]]:
    """(N, L) matrix of the spectra that could be prepared, their indices in ``spectra``, and
    (id, why) for those that could not (``why`` without the id, which the pair already names)."""
    grid = contest_grid() if grid is None else grid
    rows, kept, skipped = [], [], []
    for i, s in enumerate(spectra):
        try:
            rows.append(prepare(s, grid, p))
            kept.append(i)
        except SpectrumError as exc:
            skipped.append((s.id, str(exc).removeprefix(f"{s.id}: ")))
    return (np.stack(rows) if rows else np.empty((0, len(grid)), np.float32)), kept, skipped
