"""One verb per task, built from its :class:`engine.tasks.TaskSpec`: flags from the
params dataclass, ``--out`` by suffix from its outputs, ``--json`` when it has one."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any, Callable, Sequence

from cli.terminal import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, Terminal, error, interrupt_cancels
from engine import params as prm
from engine.control import Cancelled, RunControl
from engine.errors import UserError
from engine.io import check_target
from engine.tasks import TaskContext, TaskSpec


def build_parser(spec: TaskSpec, prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=spec.description)
    prm.add_arguments(parser, spec.params)
    fields = {f.name for f in dataclasses.fields(spec.params)}
    if spec.outputs and "out" not in fields:
        suffixes = ", ".join(s for s in spec.outputs if s)
        parser.add_argument("--out", type=Path, required=spec.out_required,
                            help=spec.out_help + (f" ({suffixes})" if suffixes else ""))
    if spec.to_json is not None:
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return parser


def writer_for(spec: TaskSpec, out: Path) -> Callable[[Any, Any, Path], None]:
    """The output writer for ``out``'s suffix; a UserError naming the suffixes it knows."""
    suffix = out.suffix.lower()
    if suffix in spec.outputs:
        return spec.outputs[suffix]
    if "" in spec.outputs:
        return spec.outputs[""]
    raise UserError(f"{out.name}: {spec.name} writes {', '.join(spec.outputs)}")


def run(spec: TaskSpec, argv: Sequence[str], prog: str) -> int:
    parser = build_parser(spec, prog)
    args = parser.parse_args(argv)
    try:
        p = prm.from_args(spec.params, args)
    except prm.ParamError as exc:
        parser.error(str(exc))
    own_out = "out" in {f.name for f in dataclasses.fields(spec.params)}  # the task writes as it goes
    out: Path | None = None if own_out else getattr(args, "out", None)
    if spec.out_required and own_out and not p.out:
        parser.error("the following arguments are required: --out")
    term = Terminal()
    control = RunControl()
    interrupt_cancels(control)
    ctx = TaskContext(control, on_progress=term.task_progress, on_log=term.task_log)
    try:
        if own_out and p.out:
            check_target(p.out)
        write = None
        if out is not None:
            check_target(out)
            write = writer_for(spec, out)
        result = spec.run(p, ctx)
        term.end()
        if write is not None:
            write(result, p, out)
    except Cancelled:
        term.end()
        error("cancelled; no output written")
        return EXIT_CANCELLED
    except (UserError, OSError) as exc:
        term.end()
        error(str(exc))
        return EXIT_FAILED
    if getattr(args, "json", False):
        print(json.dumps(spec.to_json(result), ensure_ascii=False))
    elif spec.summary is not None:
        print(spec.summary(result) + (f" → {out}" if out is not None else ""))
    return EXIT_OK
