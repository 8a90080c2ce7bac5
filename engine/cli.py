"""The headless front-end: ``python main.py <verb> ...``.

Verbs run the same jobs as the GUI through the same engine and write the same
run folders.  Errors the user can fix print one line and exit non-zero; the
first Ctrl-C stops a training run early (saving the model), a second cancels.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Sequence, TextIO

from engine import events as ev
from engine import jobs, params
from engine.control import RunControl
from engine.data import DataError
from engine.errors import UserError
from engine.runs import WorkspaceError, list_runs
from engine import corpus_cli, spectra_cli
from engine.train.registry import EXPERIMENTS, JOBS

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


class TerminalSink:
    """A progress bar with ETA on one line, the log and per-epoch metrics above it."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.tty = stream.isatty()
        self._last_line = 0.0

    def _print(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.Started):
            self._print(f"run {event.run_id}{' (resumed)' if event.resumed else ''} → {event.run_dir}")
        elif isinstance(event, ev.Progress) and event.total:
            frac = min(1.0, event.step / event.total)
            eta = f"ETA {format_duration(event.eta)}" if event.eta is not None else "ETA --"
            bar = "█" * int(frac * self.width) + "·" * (self.width - int(frac * self.width))
            line = f"epoch {event.epoch + 1} [{bar}] {frac:6.1%} step {event.step}/{event.total} {eta}"
            if self.tty:
                self.stream.write("\r\033[K" + line)
                self.stream.flush()
            elif time.monotonic() - self._last_line > 5 or event.step == event.total:
                self._last_line = time.monotonic()
                self._print(line)
        elif isinstance(event, ev.Metrics) and event.phase == "val":
            values = "  ".join(f"{k} {v:.4g}" for k, v in event.values.items())
            self._print(f"epoch {event.epoch + 1} val  {values}")
        elif isinstance(event, ev.Log):
            self._print(f"{event.level}: {event.message}" if event.level != "info" else event.message)
        elif isinstance(event, ev.Finished):
            self._print(f"{event.status} at step {event.step}")


def format_duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _install_interrupt(control: RunControl) -> None:
    def handler(signum, frame):  # noqa: ARG001 - signal signature
        if control.stop_requested:
            sys.stderr.write("\ncancelling…\n")
            control.cancel()
        else:
            sys.stderr.write("\nstopping early after this step (Ctrl-C again to cancel)…\n")
            control.request_stop()

    signal.signal(signal.SIGINT, handler)


def _run_job(job: jobs.Job, p, workspace: Path, resume_dir: Path | None = None) -> int:
    control = RunControl()
    _install_interrupt(control)
    try:
        out = jobs.execute(job, p, workspace, [TerminalSink()], control, resume_dir=resume_dir)
    except (WorkspaceError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if out.status == "failed":
        print(f"error: {out.error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_CANCELLED if out.status == "cancelled" else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="Kexue Workbench. With no verb, opens the GUI.")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    ws_help = f"folder that holds runs/ (default: {jobs.default_workspace()})"

    train = verbs.add_parser("train", help="train a model headless")
    models = train.add_subparsers(dest="experiment", metavar="MODEL", required=True)
    for name, job in EXPERIMENTS.items():
        sub = models.add_parser(name, help=job.title, description=job.description)
        params.add_arguments(sub, job.params)
        sub.add_argument("--workspace", type=Path, default=jobs.default_workspace(), help=ws_help)

    resume = verbs.add_parser("resume", help="continue a run from its last checkpoint")
    resume.add_argument("run_dir", type=Path, help="the run's folder")
    resume.add_argument("--epochs", type=int, help="train up to this many epochs in all (default: as configured)")

    smp = verbs.add_parser("sample", help="draw samples from a trained generative run into a .npy file")
    smp.add_argument("run_dir", type=Path, help="the run's folder")
    smp.add_argument("--n", type=int, default=64, help="how many samples (default: 64)")
    smp.add_argument("--out", type=Path, required=True, help="the .npy file to write")
    smp.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")

    runs = verbs.add_parser("runs", help="list runs with status and final metrics")
    runs.add_argument("--workspace", type=Path, default=jobs.default_workspace(), help=ws_help)

    from engine.physics import ellipses, rope

    def solver_verb(name: str, cls: type, help_text: str, description: str, out_help: str):
        sub = verbs.add_parser(name, help=help_text, description=description)
        params.add_arguments(sub, cls)
        sub.add_argument("--json", action="store_true", help="print the solution as one JSON object")
        sub.add_argument("--out", type=Path, help=out_help)
        return sub

    solver_verb("rope", rope.RopeParams, "equilibrium shape of a spinning rope (kexue.fm/archives/6784)",
                "Solve for the rope's shape, tension and constants. Prints a summary, or JSON with --json.",
                "write the curve as CSV (s, z, r, tension)")
    el = solver_verb("ellipses", ellipses.EllipseParams,
                     "glue two elliptical sheets into a solid (kexue.fm/archives/6818)",
                     "The glue edge and its margin. --out by suffix: .csv (edge), .svg/.pdf (printable net "
                     "at true scale), .stl/.obj (3-D mesh).", "export: .csv, .svg, .pdf, .stl or .obj")
    el.add_argument("--unit-mm", type=float, default=10.0, help="millimetres per unit in the net (default: 10)")

    spectra_cli.add_verbs(verbs, ws_help)
    corpus_cli.add_verbs(verbs)

    dl = verbs.add_parser("download-mnist", help="download the MNIST files into the cache")
    dl.add_argument("--cache", type=Path, help="folder to download into (default: the user cache)")
    return parser


def cmd_runs(workspace: Path) -> int:
    infos = list_runs(workspace)
    if not infos:
        print(f"no runs in {workspace}")
        return EXIT_OK
    for info in infos:
        keys = [k for k in info.final if k.startswith("val/")] or list(info.final)
        metrics = "  ".join(f"{k}={info.final[k]:.4g}" for k in keys[:4])
        line = f"{info.run_id:40s} {info.status:11s} {metrics}"
        if info.error:
            line += f"  ({info.error})"
        print(line)
    return EXIT_OK


def cmd_resume(run_dir: Path, epochs: int | None) -> int:
    from engine.runs import RunStore

    try:
        cfg = RunStore.open(run_dir).config()
        job = JOBS[cfg["job"]]
        values = dict(cfg["params"])
        if epochs is not None:
            if "epochs" not in values:
                raise ValueError(f"a {job.title} run has no single epoch count to change")
            values["epochs"] = epochs
        p = params.from_dict(job.params, values)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f"error: cannot resume {run_dir}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _run_job(job, p, run_dir.parent.parent, resume_dir=run_dir)


def cmd_download(cache: Path | None) -> int:
    from engine.data import mnist

    def progress(name: str, done: int, total: int) -> None:
        sys.stderr.write(f"\r{name}: {done / 1e6:.1f}/{total / 1e6:.1f} MB")

    try:
        folder = mnist.download(cache, progress=progress)
    except DataError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"\nMNIST is in {folder}")
    return EXIT_OK


def cmd_sample(run_dir: Path, n: int, out: Path, seed: int) -> int:
    import numpy as np

    from engine.train.sampling import sample_run

    try:
        samples = sample_run(run_dir, n, seed)
        np.save(out, samples)
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{len(samples)} samples of shape {tuple(samples.shape[1:])} → {out}")
    return EXIT_OK


def cmd_physics(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import json

    from engine.physics import ellipses, rope

    module, cls = (rope, rope.RopeParams) if args.verb == "rope" else (ellipses, ellipses.EllipseParams)
    try:
        p = params.from_args(cls, args)
        sol = module.solve(p)
        if args.out is not None:
            _export_physics(args, p, sol)
    except params.ParamError as exc:
        parser.error(str(exc))
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    result = sol.to_dict()
    if args.json:
        print(json.dumps(result))
        return EXIT_OK
    for key, value in result.items():
        if not isinstance(value, (list, dict)):
            print(f"{key:18s} {value:.9g}" if isinstance(value, float) else f"{key:18s} {value}")
    print(f"{'curve':18s} {len(result['curve'])} points" + (f" → {args.out}" if args.out else ""))
    return EXIT_OK


def _export_physics(args: argparse.Namespace, p, sol) -> None:
    import numpy as np

    from engine.physics import ellipses

    suffix = args.out.suffix.lower()
    if args.verb == "rope":
        if suffix != ".csv":
            raise UserError(f"{args.out.name}: the rope exports a .csv curve")
        np.savetxt(args.out, np.column_stack([sol.s, sol.z, sol.r, sol.tension]), delimiter=",",
                   header="s,z,r,tension", comments="", fmt="%.9g")
        return
    writers = {".csv": lambda: ellipses.write_csv(sol, args.out),
               ".svg": lambda: ellipses.write_net_svg(p.a, p.b, args.out, args.unit_mm),
               ".pdf": lambda: ellipses.write_net_pdf(p.a, p.b, args.out, args.unit_mm),
               ".stl": lambda: ellipses.write_stl(sol, args.out),
               ".obj": lambda: ellipses.write_obj(sol, args.out)}
    if suffix not in writers:
        raise UserError(f"{args.out.name}: export to one of {', '.join(writers)}")
    writers[suffix]()


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb == "train":
        job = EXPERIMENTS[args.experiment]
        try:
            p = params.from_args(job.params, args)
        except params.ParamError as exc:
            parser.error(str(exc))
        return _run_job(job, p, args.workspace)
    if args.verb == "resume":
        return cmd_resume(args.run_dir, args.epochs)
    if args.verb == "runs":
        return cmd_runs(args.workspace)
    if args.verb == "download-mnist":
        return cmd_download(args.cache)
    if args.verb == "sample":
        return cmd_sample(args.run_dir, args.n, args.out, args.seed)
    if args.verb in ("rope", "ellipses"):
        return cmd_physics(parser, args)
    if args.verb in corpus_cli.VERBS:
        return corpus_cli.main(args)
    if args.verb in spectra_cli.VERBS:
        return spectra_cli.main(parser, args, _run_job)
    parser.print_help()
    return EXIT_USAGE
