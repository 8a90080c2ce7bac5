"""A synthetic labelled spectrum set for demos and tests — clearly not real data.

On the contest grid (3690–9100 Å, 2,600 points):

* star — a blackbody at T (3,500–12,000 K) with absorption lines whose depths
  follow temperature: Balmer lines peak near 9,500 K, Ca II H&K, the G band,
  Mg b and Na D grow in cooler stars; radial velocities of ±300 km/s.
* galaxy — a mix of 4,000–6,500 K blackbodies with Ca II H&K, G band, Mg b and
  Na D absorption, plus narrow emission lines ([O II], Hβ, [O III], Hα, [N II],
  [S II]) of random strength, redshifted by z ∈ [0, z_galaxy].
* qso — a power law f_λ ∝ λ^α (α ∈ [−2, −0.5]) with broad (3,000–8,000 km/s)
  Lyα, C IV, C III], Mg II, Hβ and Hα and narrow [O III], at z ∈ [0.1, z_qso].
* unknown — what the contest calls unknown: a spectrum of any class drowned at
  a signal-to-noise ratio under 1, or a flat noisy trace with cosmic-ray spikes.

Noise is Gaussian with per-spectrum signal-to-noise drawn from ``snr``; ivar is
1/σ².  Written by hand: no library generates labelled astronomical spectra.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.spectra.formats import Spectrum, contest_grid

CLASSES = ("star", "galaxy", "qso", "unknown")
C_KMS = 299792.458
HC_K = 1.438777e8  # hc/k in Å·K


@dataclass(frozen=True)
class SyntheticSpec:
    n: int = 2000
    fractions: tuple[float, float, float, float] = (0.55, 0.15, 0.15, 0.15)  # star, galaxy, qso, unknown
    snr: tuple[float, float] = (3.0, 30.0)  # per-pixel signal-to-noise, drawn log-uniformly
    z_galaxy: float = 0.3
    z_qso: float = 3.0
    seed: int = 0


def _gauss(grid: np.ndarray, centre: float, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * ((grid - centre) / sigma) ** 2)


def blackbody(grid: np.ndarray, t: float) -> np.ndarray:
    b = grid ** -5.0 / np.expm1(HC_K / (grid * t))
    return b / b.max()


def _lines(grid: np.ndarray, z: float, lines: list[tuple[float, float, float]]) -> np.ndarray:
    """Σ amplitude·G(λ; (1+z)λ₀, width) — amplitude < 0 absorbs; width in km/s."""
    out = np.zeros_like(grid)
    for rest, amp, kms in lines:
        centre = rest * (1 + z)
        if grid[0] - 50 < centre < grid[-1] + 50:
            out += amp * _gauss(grid, centre, centre * kms / C_KMS)
    return out


def star(grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    t = rng.uniform(3500, 12000)
    z = rng.normal(0, 300 / C_KMS)
    balmer = 0.5 * np.exp(-((t - 9500) / 3000) ** 2)
    metal = 0.45 * np.clip((8000 - t) / 4500, 0, 1)
    absorb = [(4101.74, -balmer, 150), (4340.47, -balmer, 150), (4861.33, -balmer, 150), (6562.8, -balmer, 150),
              (3933.66, -metal, 120), (3968.47, -metal, 120), (4304.4, -0.6 * metal, 200),
              (5175.3, -0.7 * metal, 200), (5892.9, -0.8 * metal, 120)]
    cont = blackbody(grid, t)
    return cont * (1 + _lines(grid, z, absorb))


def galaxy(grid: np.ndarray, rng: np.random.Generator, z_max: float) -> np.ndarray:
    z = rng.uniform(0, z_max)
    cont = sum(w * blackbody(grid / (1 + z), t) for w, t in zip(rng.dirichlet([2, 2]), rng.uniform(4000, 6500, 2)))
    cont = cont / cont.max()
    absorb = [(3933.66, -0.35, 250), (3968.47, -0.3, 250), (4304.4, -0.2, 300), (5175.3, -0.25, 300),
              (5892.9, -0.2, 250)]
    strength = rng.lognormal(-0.5, 0.8)
    emit = [(3727.09, 0.6, 150), (4861.33, 0.4, 150), (5006.84, 0.8, 150), (4958.91, 0.27, 150),
            (6562.8, 1.2, 150), (6583.45, 0.4, 150), (6716.44, 0.25, 150)]
    emit = [(w, a * strength * rng.uniform(0.5, 1.5), k) for w, a, k in emit]
    return cont * (1 + _lines(grid, z, absorb)) + cont.mean() * _lines(grid, z, emit)


def qso(grid: np.ndarray, rng: np.random.Generator, z_max: float) -> np.ndarray:
    z = rng.uniform(0.1, z_max)
    alpha = rng.uniform(-2.0, -0.5)
    cont = (grid / 5000.0) ** alpha
    cont = cont / cont.mean()
    width = rng.uniform(3000, 8000)
    broad = [(1215.67, 3.0, width), (1549.06, 1.5, width), (1908.73, 0.8, width), (2798.75, 0.9, width),
             (4861.33, 0.8, width), (6562.8, 2.5, width), (5006.84, 0.5, 400)]
    broad = [(w, a * rng.uniform(0.6, 1.4), k) for w, a, k in broad]
    return cont * (1 + _lines(grid, z, broad))


def unknown(grid: np.ndarray, rng: np.random.Generator, spec: SyntheticSpec) -> tuple[np.ndarray, float]:
    """(signal, signal-to-noise): a drowned spectrum, or a flat trace with spikes."""
    if rng.random() < 0.5:
        maker = rng.integers(3)
        signal = [lambda: star(grid, rng), lambda: galaxy(grid, rng, spec.z_galaxy),
                  lambda: qso(grid, rng, spec.z_qso)][maker]()
        return signal, rng.uniform(0.2, 0.8)
    signal = np.full_like(grid, 0.5)
    for _ in range(rng.integers(1, 6)):
        i = rng.integers(len(grid))
        signal[i:i + 2] += rng.uniform(2, 10)
    return signal, rng.uniform(1.0, 3.0)


def generate(spec: SyntheticSpec = SyntheticSpec()) -> list[Spectrum]:
    """``spec.n`` labelled spectra; ids ``synthetic-00000`` …; flux in arbitrary units around 100."""
    rng = np.random.default_rng(spec.seed)
    grid = contest_grid()
    fr = np.asarray(spec.fractions, float)
    labels = rng.choice(4, spec.n, p=fr / fr.sum())
    out = []
    for i, c in enumerate(labels):
        if c == 3:
            signal, snr = unknown(grid, rng, spec)
        else:
            signal = star(grid, rng) if c == 0 else galaxy(grid, rng, spec.z_galaxy) if c == 1 else \
                qso(grid, rng, spec.z_qso)
            snr = float(np.exp(rng.uniform(*np.log(spec.snr))))
        scale = 100.0 * rng.lognormal(0, 0.5)
        sigma = np.full_like(grid, scale * np.abs(signal).mean() / snr)
        flux = scale * signal + rng.normal(0, 1, len(grid)) * sigma
        out.append(Spectrum(grid, flux, 1.0 / sigma ** 2, f"synthetic-{i:05d}", CLASSES[c], "synthetic"))
    return out
