"""The verbs of training runs: ``train <model>``, ``resume``, ``runs`` and ``sample``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from cli.terminal import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, EXIT_USAGE, Terminal, error, interrupt_stops_then_cancels
from engine import params as prm
from engine import registry
from engine.control import RunControl
from engine.errors import UserError


def _workspace_help() -> str:
    from engine.jobs import default_workspace

    return f"folder that holds runs/ (default: {default_workspace()})"


def _run_job(job, p, workspace: Path, resume_dir: Path | None = None) -> int:
    from engine import jobs
    from engine.runs import WorkspaceError

    control = RunControl()
    interrupt_stops_then_cancels(control)
    try:
        out = jobs.execute(job, p, workspace, [Terminal()], control, resume_dir=resume_dir)
    except (WorkspaceError, FileNotFoundError) as exc:  # no run folder can be made there
        error(str(exc))
        return EXIT_USAGE
    except UserError as exc:  # refused before any run folder: the data, the memory it needs, a locked run
        error(str(exc))
        return EXIT_FAILED
    if out.status == "failed":
        error(out.error or "the run failed")
        return EXIT_FAILED
    return EXIT_CANCELLED if out.status == "cancelled" else EXIT_OK


def train(argv: Sequence[str], prog: str = "main.py train") -> int:
    models = registry.entries("train")
    if not argv or argv[0] in ("-h", "--help"):
        lines = "\n".join(f"  {e.name:10s} {e.help}" for e in models)
        print(f"usage: {prog} MODEL [flags]   (MODEL --help lists its flags)\n\nmodels:\n{lines}")
        return EXIT_OK if argv else EXIT_USAGE
    try:
        job = registry.load(argv[0], "train")
    except KeyError:
        job = None
    if job is None:
        error(f"no model '{argv[0]}'; choose one of {', '.join(e.name for e in models)}")
        return EXIT_USAGE
    from engine.jobs import default_workspace

    parser = argparse.ArgumentParser(prog=f"{prog} {job.name}", description=job.description)
    prm.add_arguments(parser, job.params)
    parser.add_argument("--workspace", type=Path, default=default_workspace(), help=_workspace_help())
    args = parser.parse_args(argv[1:])
    try:
        p = prm.from_args(job.params, args)
    except prm.ParamError as exc:
        parser.error(str(exc))
    return _run_job(job, p, args.workspace)


def resume(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py resume", description="Continue a run from its last checkpoint.")
    parser.add_argument("run_dir", type=Path, help="the run's folder")
    parser.add_argument("--epochs", type=int, help="train up to this many epochs in all (default: as configured)")
    args = parser.parse_args(argv)
    try:
        job, p = registry.job_of_run(args.run_dir, **({} if args.epochs is None else {"epochs": args.epochs}))
    except UserError as exc:
        error(f"cannot resume {args.run_dir}: {exc}")
        return EXIT_USAGE
    return _run_job(job, p, args.run_dir.resolve().parent.parent, resume_dir=args.run_dir)


def runs(argv: Sequence[str]) -> int:
    from engine.jobs import default_workspace
    from engine.runs import list_runs

    parser = argparse.ArgumentParser(prog="main.py runs", description="List runs with status and final metrics.")
    parser.add_argument("--workspace", type=Path, default=default_workspace(), help=_workspace_help())
    args = parser.parse_args(argv)
    infos = list_runs(args.workspace)
    if not infos:
        print(f"no runs in {args.workspace}")
        return EXIT_OK
    for info in infos:
        keys = [k for k in info.final if k.startswith("val/")] or list(info.final)
        metrics = "  ".join(f"{k}={info.final[k]:.4g}" for k in keys[:4])
        line = f"{info.run_id:40s} {info.status:11s} {metrics}"
        if info.error:
            line += f"  ({info.error})"
        if info.problem:
            line += f"  [damaged: {info.problem}]"
        print(line)
    return EXIT_OK


def sample(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py sample",
                                     description="Draw samples from a trained generative run into a .npy array, a "
                                     ".png grid of images, a .csv of points, or, for a text model (verse), a .txt file.")
    parser.add_argument("run_dir", type=Path, help="the run's folder")
    parser.add_argument("--n", type=int, default=64, help="how many samples (default: 64)")
    parser.add_argument("--out", type=Path, required=True, help="the file to write: .npy (any model), .png (a grid "
                        "of images), .csv (2-D points), .txt (a text model's lines)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")
    args = parser.parse_args(argv)
    from engine.io import check_target
    from engine.train.sampling import sample_run, write_samples

    try:
        check_target(args.out)
        print(write_samples(sample_run(args.run_dir, args.n, args.seed), args.out))
    except (UserError, OSError) as exc:
        error(str(exc))
        return EXIT_FAILED
    return EXIT_OK
