"""The maths bench's headless verbs: ``angles``, ``hsic`` and ``em`` as TaskSpecs (the CLI
builds its flags from the params, ``--json`` from ``to_json`` and ``--out`` from ``outputs``).

Imports stay light: torch loads only when an HSIC runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.io import atomic_open
from engine.maths import angles, em, hsic
from engine.tasks import TaskSpec


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    with atomic_open(path, newline="") as fh:
        frame.to_csv(fh, index=False)


def _angles_csv(result: angles.AngleResult, params: angles.AnglesParams, path: Path) -> None:
    t, c = result.theta.centres, result.cosine.centres
    _write_frame(pd.DataFrame({
        "theta": t, "theta_density": result.theta.density, "theta_pdf": angles.angle_pdf(t, result.n),
        "theta_normal": angles.normal_angle_pdf(t, result.n), "cos": c, "cos_density": result.cosine.density,
        "cos_pdf": angles.cos_pdf(c, result.n), "cos_normal": angles.normal_cos_pdf(c, result.n)}), path)


def _hsic_csv(result: hsic.HSICResult, params: hsic.HSICParams, path: Path) -> None:
    _write_frame(pd.DataFrame({"permutation": np.arange(1, result.null.size + 1), "hsic": result.null}), path)


def _em_csv(result: em.EMFit, params: em.EMParams, path: Path) -> None:
    resp = result.state.responsibilities
    frame = pd.DataFrame(result.points, columns=result.columns)
    for j in range(resp.shape[1]):
        frame[f"r{j + 1}"] = resp[:, j]
    frame["component"] = result.state.labels + 1
    _write_frame(frame, path)


ANGLES = TaskSpec(
    name="angles", title="Angle between random vectors", params=angles.AnglesParams, run=angles.run,
    description="Sample the angle between pairs of random vectors in n dimensions and compare its mean and "
                "variance with the exact law Γ(n/2)/(Γ((n−1)/2)√π)·sin^{n−2}θ (kexue.fm/archives/7076).",
    summary=lambda r: (f"n = {r.n}: mean {r.mean:.5f} (π/2 = 1.57080), variance {r.variance:.6g} "
                       f"(exact {r.variance_exact:.6g})"),
    to_json=lambda r: r.to_dict(), outputs={".csv": _angles_csv},
    out_help="CSV of the histograms of θ and cos θ beside the exact and normal densities")

HSIC = TaskSpec(
    name="hsic", title="HSIC independence test", params=hsic.HSICParams, run=hsic.run,
    description="HSIC between two columns of a table with the post's kernel exp(−‖a − b‖²/σ²), a permutation "
                "test and the gamma approximation (kexue.fm/archives/6910).",
    summary=lambda r: (f"HSIC = {r.hsic:.6g} over {r.n} rows; p = "
                       f"{'n/a' if r.p_value is None else f'{r.p_value:.4g}'} ({r.null.size} permutations)"),
    to_json=lambda r: r.to_dict(), outputs={".csv": _hsic_csv},
    out_help="CSV of the statistic under each permutation (the null distribution)")

EM = TaskSpec(
    name="em", title="EM for a Gaussian mixture", params=em.EMParams, run=em.run,
    description="Fit a K-component Gaussian mixture to columns of a table by EM (kexue.fm/archives/5239).",
    summary=lambda r: (f"{r.iterations} EM steps ({'converged' if r.converged else 'not converged'}); "
                       f"mean log-likelihood {r.state.log_likelihood:.6f}"),
    to_json=lambda r: r.to_dict(), outputs={".csv": _em_csv},
    out_help="CSV of the points with their responsibilities and most likely component")

TASKS = (ANGLES, HSIC, EM)
