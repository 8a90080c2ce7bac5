"""The Physics bench's solvers as tasks (``rope`` and ``ellipses`` verbs): one
params dataclass each, the solution as JSON, and the exports by file suffix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.io import atomic_open
from engine.params import param
from engine.physics import ellipses, rope
from engine.tasks import TaskContext, TaskSpec


def solve_rope(p: rope.RopeParams, ctx: TaskContext | None = None) -> rope.RopeSolution:
    return rope.solve(p, ctx)


def write_rope_csv(sol: rope.RopeSolution, path: Path | str) -> None:
    with atomic_open(path) as f:
        np.savetxt(f, np.column_stack([sol.s, sol.z, sol.r, sol.tension]), delimiter=",",
                   header="s,z,r,tension", comments="", fmt="%.9g")


def _summary(result: dict) -> str:
    lines = []
    for key, value in result.items():
        if key == "closed_form":
            lines.append(f"{key:18s} {value['name'] if value else 'none for these inputs'}")
        elif not isinstance(value, (list, dict)):
            lines.append(f"{key:18s} {value:.9g}" if isinstance(value, float) else f"{key:18s} {value}")
    lines.append(f"{'curve':18s} {len(result['curve'])} points")
    return "\n".join(lines)


ROPE = TaskSpec(
    "rope", "Spinning rope", rope.RopeParams, solve_rope,
    "Solve for the rope's shape, tension and constants (kexue.fm/archives/6784). Prints a summary, or JSON "
    "with --json.",
    summary=lambda sol: _summary(sol.to_dict()), to_json=lambda sol: sol.to_dict(),
    outputs={".csv": lambda sol, p, path: write_rope_csv(sol, path)},
    out_help="write the curve as CSV (s, z, r, tension)")


SCALES = ("fit-a4", "mm-per-unit")


@dataclass(frozen=True)
class NetParams(ellipses.EllipseParams):
    scale: str = param("fit-a4", "size of the printed net (.svg/.pdf): as large as fits one A4 page, or unit_mm "
                       "millimetres per unit", choices=SCALES, label="Net scale", group="printable net")
    unit_mm: float = param(10.0, "millimetres per unit in the printed net when scale is mm-per-unit",
                           minimum=ellipses.UNIT_MM[0], maximum=ellipses.UNIT_MM[1], label="mm per unit",
                           group="printable net")


def net_unit(p: NetParams) -> float:
    """Millimetres per unit the printed net uses under ``p``'s scale."""
    return ellipses.fit_a4_unit(p.a, p.b) if p.scale == "fit-a4" else p.unit_mm


def solve_ellipses(p: NetParams, ctx: TaskContext | None = None) -> ellipses.GlueSolution:
    return ellipses.solve(p)


ELLIPSES = TaskSpec(
    "ellipses", "Glued ellipses", NetParams, solve_ellipses,
    "The glue edge of two bent elliptical sheets and its margin (kexue.fm/archives/6818). --out by suffix: .csv "
    "(edge), .svg/.pdf (printable net, filling A4 or at --unit-mm with --scale mm-per-unit), .stl/.obj (3-D mesh).",
    summary=lambda sol: _summary(sol.to_dict()), to_json=lambda sol: sol.to_dict(),
    outputs={".csv": lambda sol, p, path: ellipses.write_csv(sol, path),
             ".svg": lambda sol, p, path: ellipses.write_net_svg(p.a, p.b, path, net_unit(p)),
             ".pdf": lambda sol, p, path: ellipses.write_net_pdf(p.a, p.b, path, net_unit(p)),
             ".stl": lambda sol, p, path: ellipses.write_stl(sol, path),
             ".obj": lambda sol, p, path: ellipses.write_obj(sol, path)},
    out_help="export: .csv, .svg, .pdf, .stl or .obj")
