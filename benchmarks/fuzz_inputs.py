"""Bad inputs against the engine's entry points, counted: ``tried / clean`` per family.

    python benchmarks/fuzz_inputs.py [--quick] [--family NAME ...]

A case is *clean* when the entry point either does its job (a reader given
valid-looking bytes may read them) or raises a :class:`engine.errors.UserError`
whose message is one line, and afterwards no temporary file (``*.tmp``,
``*.part``) is left and every file the case protects is byte for byte as
before.  Anything else — another exception, a multi-line message, a leftover,
a changed file — is *dirty*, and the first few are printed with their cause.

Families are generators of :class:`Case`; the command line's families can be
added to :data:`FAMILIES` the same way.  Inputs come from a seeded generator,
so the figures are reproducible.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from engine.errors import UserError  # noqa: E402


@dataclass
class Case:
    name: str
    run: Callable[[], Any]
    may_succeed: bool = True  # a normal return counts as clean (a reader given readable bytes)
    watch: Path | None = None  # no temporary may remain under it
    protect: list[Path] = field(default_factory=list)  # files that must not change
    fault: Callable[[], contextlib.AbstractContextManager] | None = None  # e.g. a failing fsync


@dataclass
class Tally:
    tried: int = 0
    clean: int = 0
    dirty: list[str] = field(default_factory=list)


def judge(case: Case) -> str | None:
    """None when the case ran clean, else why not."""
    before = {p: p.read_bytes() for p in case.protect if p.is_file()}
    outcome: str | None = None
    try:
        with case.fault() if case.fault else contextlib.nullcontext():
            case.run()
        if not case.may_succeed:
            outcome = "returned normally where it should have refused"
    except UserError as exc:
        text = str(exc)
        if not text.strip() or "\n" in text:
            outcome = f"message is not one line: {text!r:.200}"
    except KeyboardInterrupt:
        if case.fault is None:
            raise
    except Exception as exc:  # noqa: BLE001 - what the fuzzing is for
        lines = traceback.format_exception_only(type(exc), exc)
        outcome = f"raw {type(exc).__name__}: {''.join(lines).strip()[:200]}"
    if case.watch is not None:
        left = [p.name for p in case.watch.rglob("*") if p.name.endswith((".tmp", ".part"))]
        if left:
            outcome = (outcome + "; " if outcome else "") + f"left {left[:3]}"
    for p, raw in before.items():
        if not p.is_file() or p.read_bytes() != raw:
            outcome = (outcome + "; " if outcome else "") + f"changed {p.name}"
    return outcome


# -- inputs ------------------------------------------------------------------------------------
def truncations(raw: bytes, budget: int) -> Iterator[tuple[int, bytes]]:
    """Every offset of a small file; evenly spaced ones (and both ends) of a larger one."""
    offsets = range(len(raw)) if len(raw) <= budget else \
        sorted({0, 1, len(raw) - 1, *np.linspace(0, len(raw) - 1, budget).astype(int).tolist()})
    for cut in offsets:
        yield cut, raw[:cut]


def random_bytes(rng: random.Random, n: int, max_size: int = 3000) -> Iterator[bytes]:
    for i in range(n):
        size = rng.choice([0, 1, 2, 7, 64, 512, max_size]) if i % 3 == 0 else rng.randrange(max_size)
        yield rng.randbytes(size)


def _write(path: Path, raw: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return path


# -- families ------------------------------------------------------------------------------------
def corpus_readers(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    from engine.corpus import readers

    def read(path: Path, kind: str) -> Callable[[], Any]:
        return lambda: sum(1 for _ in readers.documents(path, kind))

    text = ["我来到北京清华大学", "hello world, 你好", "林心如演的电视剧很好看"]
    valid = {
        "utf-8": ("\n".join(text).encode(), "lines"), "gb18030": ("\n".join(text).encode("gb18030"), "lines"),
        "utf-16": ("\n".join(text).encode("utf-16"), "lines"),
        "utf-16-le": ("\n".join(text).encode("utf-16-le"), "whole"),
        "jsonl": ("\n".join(json.dumps({"question": t}, ensure_ascii=False) for t in text).encode(), "jsonl"),
        "json": (json.dumps([{"question": t, "tags": ["a"]} for t in text], ensure_ascii=False).encode(), "json"),
        "triples": ("科学,外文名,science\n曹禺,出生地,天津\n".encode(), "triples"),
        "gzip": (gzip.compress("\n".join(text).encode(), mtime=0), "lines"),
    }
    for name, (raw, kind) in valid.items():
        for cut, part in truncations(raw, int(300 * scale)):
            path = _write(work / f"trunc-{name}-{cut}.txt", part)
            yield Case(f"{name} cut at {cut}", read(path, kind))
    for i, raw in enumerate(random_bytes(rng, int(300 * scale))):
        kind = readers.KINDS[1 + i % (len(readers.KINDS) - 2)]
        path = _write(work / f"random-{i}.txt", raw)
        yield Case(f"random bytes as {kind}", read(path, kind))
    long_line = "中" * (readers.SAMPLE // 2 + 7)
    special = {
        "first line past the sample": (long_line + "\n二\n").encode(),
        "utf-16-be without BOM": "\n".join(text).encode("utf-16-be"),
        "only broken JSON records": b'{"q": 1\n{"question": x}\n',
        "a lone carriage return in a CSV": b"a,b,c\r\x01\n",
        "NUL bytes": b"\x00" * 100,
    }
    for name, raw in special.items():
        path = _write(work / f"special-{len(name)}.jsonl", raw)
        yield Case(name, read(path, "jsonl" if "JSON" in name else "triples" if "CSV" in name else "lines"))
    yield Case("a folder without text", read(work / "nothing", "folder"))


def image_sources(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    from engine.data import images

    def load(path: Path) -> Callable[[], Any]:
        def go():
            images._last = None
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a raw numpy warning is not a clean refusal
                return images.load(str(path))
        return go

    small = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    npz = io.BytesIO()
    np.savez(npz, x=small, y=np.array([0, 1]))
    idx = bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4]) + small.tobytes()
    valid = {"d.npz": npz.getvalue(), "d-idx3-ubyte": idx, "d-idx3-ubyte.gz": gzip.compress(idx, mtime=0)}
    for name, raw in valid.items():
        for cut, part in truncations(raw, int(400 * scale)):
            path = _write(work / f"cut{cut}" / name, part)
            yield Case(f"{name} cut at {cut}", load(path), may_succeed=False)
    for i, raw in enumerate(random_bytes(rng, int(200 * scale))):
        name = ("r.npz", "r-idx3-ubyte", "r.gz")[i % 3]
        path = _write(work / f"rand{i}" / name, raw)
        yield Case(f"random bytes as {name}", load(path), may_succeed=False)
    cplx = io.BytesIO()
    np.savez(cplx, x=np.ones((3, 4, 4), np.complex64))
    yield Case("complex values", load(_write(work / "c" / "c.npz", cplx.getvalue())), may_succeed=False)
    for dims in [(2**31, 2**31, 4), (0xFFFFFFFF,) * 3]:
        raw = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in dims) + b"\0" * 16
        yield Case(f"IDX header {dims}", load(_write(work / "o" / "o-idx3-ubyte", raw)), may_succeed=False)
    from PIL import Image

    folder = work / "pngs"
    folder.mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(folder / "a.png")
    (folder / "b.png").write_bytes(b"not a png")
    yield Case("a broken image in a folder", load(folder), may_succeed=False)
    mixed = work / "mixed"
    mixed.mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(mixed / "a.png")
    Image.fromarray(np.zeros((5, 4), np.uint8)).save(mixed / "b.png")
    yield Case("mixed sizes", load(mixed), may_succeed=False)


def spectra_readers(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    from engine.spectra import formats

    wave = np.linspace(4000, 5000, 40)
    csv_raw = ("wavelength,flux\n" + "".join(f"{w:.2f},{1 + w / 1e4:.4f}\n" for w in wave)).encode()
    npz = io.BytesIO()
    np.savez(npz, wavelength=wave, flux=np.ones(40))
    from astropy.io import fits

    hdu = fits.PrimaryHDU(np.vstack([np.ones(40), np.ones(40)]).astype(np.float32))
    hdu.header["COEFF0"], hdu.header["COEFF1"] = 3.6, 1e-4
    fits_buf = io.BytesIO()
    hdu.writeto(fits_buf)
    valid = {"s.csv": csv_raw, "s.npz": npz.getvalue(), "s.fits": fits_buf.getvalue()}
    for name, raw in valid.items():
        for cut, part in truncations(raw, int(150 * scale)):
            path = _write(work / f"cut{cut}" / name, part)
            yield Case(f"{name} cut at {cut}", lambda path=path: formats.load_any(path))
    for i, raw in enumerate(random_bytes(rng, int(150 * scale))):
        name = ("r.csv", "r.npz", "r.fits", "r.txt")[i % 4]
        path = _write(work / f"rand{i}" / name, raw)
        yield Case(f"random bytes as {name}", lambda path=path: formats.load_any(path))
    index = _write(work / "index" / "train_index.csv", b"id,type\n1,star\n2,qso\n")
    yield Case("an index whose files are all missing", lambda: formats.load_any(index), may_succeed=False)
    yield Case("the same, checked before a run", lambda: formats.check_source(index), may_succeed=False)


def _good_run(workspace: Path) -> Path:
    """A run folder as a finished run leaves it, made through the store's own API."""
    import torch

    from engine.runs import RunStore

    store = RunStore.create(workspace, "gan", {"params": {"epochs": 1}, "data": {"shape": [2]}})
    for step in range(1, 6):
        store.append_metrics({"step": step, "epoch": 0, "phase": "train", "loss": 1.0 / step})
    store.append_metrics({"step": 5, "epoch": 0, "phase": "val", "loss": 0.3})
    store.save_checkpoint("last", {"task": {"modules": {"m": torch.nn.Linear(4, 4).state_dict()}}, "step": 5,
                                   "rng": {"torch": torch.get_rng_state()}})
    store.write_status("completed")
    store.close()
    return store.path


def run_folders(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    from engine.runs import list_runs

    good = _good_run(work / "template")
    damages: list[tuple[str, str, bytes]] = [
        ("config.json", "a list", b"[1, 2]"), ("config.json", "not JSON", b"{oops"),
        ("config.json", "params null", b'{"job": "gan", "params": null}'), ("config.json", "empty", b""),
        ("status.json", "pid abc", b'{"status": "running", "pid": "abc", "host": "%s"}'
         % os.uname().nodename.encode()),
        ("status.json", "a list", b"[]"), ("metrics.jsonl", "binary", bytes(range(256))),
        ("metrics.jsonl", "non-object lines", b'1\n"x"\n[1]\nnull\n'),
        ("metrics.jsonl", "loss abc", b'{"step": 1, "epoch": 0, "phase": "train", "loss": "abc"}\n'),
        ("checkpoints", "a file, not a folder", b"x"),
    ]
    for target in ("config.json", "status.json", "metrics.jsonl"):
        for i, raw in enumerate(random_bytes(rng, int(40 * scale), 400)):
            damages.append((target, f"random {i}", raw))
    for i, (name, what, raw) in enumerate(damages):
        ws = work / f"ws{i}"
        run = ws / "runs" / good.name
        shutil.copytree(good, run)
        if (run / name).is_dir():
            shutil.rmtree(run / name)
        (run / name).write_bytes(raw)

        def listed(ws=ws):
            infos = list_runs(ws)
            if len(infos) != 1:
                raise AssertionError(f"listed {len(infos)} runs")
        yield Case(f"{name}: {what}", listed, watch=ws)
    yield Case("runs/ is a file", lambda: list_runs(_write(work / "wsf" / "runs", b"x").parent))


def checkpoints(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    from engine.runs import RunStore

    good = _good_run(work / "template")
    raw = (good / "checkpoints" / "last.pt").read_bytes()
    store = RunStore(good)
    target = good / "checkpoints" / "last.pt"
    inputs = [(f"cut at {cut}", part) for cut, part in truncations(raw, int(300 * scale))]
    inputs += [(f"random {i}", part) for i, part in enumerate(random_bytes(rng, int(100 * scale)))]
    inputs += [("a pickled list", b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00]\x94.")]
    for name, part in inputs:
        def load(part=part):
            target.write_bytes(part)
            store.load_checkpoint("last")
        yield Case(name, load, may_succeed=False)


def resume_configs(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    from engine.jobs import resume_job
    from engine.train.registry import JOBS

    good = _good_run(work / "template")
    configs = [b'{"job": "gan", "params": null}', b'{"job": "gan"}', b"[1]", b"", b"\xff\xfe",
               b'{"job": "gan", "params": {"epochs": "abc"}}', b'{"job": "gan", "params": {"epochs": -4}}',
               b'{"job": "nope", "params": {}}', b'{"job": ["gan"], "params": {}}']
    configs += list(random_bytes(rng, int(40 * scale), 200))
    for raw in configs:
        def resume(raw=raw):
            (good / "config.json").write_bytes(raw)
            resume_job(good, JOBS)
        yield Case(f"config {raw[:30]!r}", resume, may_succeed=False)


def _writers() -> dict[str, Callable[[Path], None]]:
    from engine.data import idx
    from engine.physics import ellipses
    from engine.spectra import formats

    sol = ellipses.solve(ellipses.EllipseParams(points=41))
    spectrum = formats.Spectrum(np.linspace(4000, 5000, 300), np.ones(300), None, "s")
    pixels = np.random.default_rng(0).integers(0, 256, (40, 8, 8), np.uint8)
    return {
        "ellipses.csv": lambda p: ellipses.write_csv(sol, p),
        "ellipses.svg": lambda p: ellipses.write_net_svg(2.0, 1.0, p),
        "ellipses.pdf": lambda p: ellipses.write_net_pdf(2.0, 1.0, p),
        "ellipses.stl": lambda p: ellipses.write_stl(sol, p),
        "ellipses.obj": lambda p: ellipses.write_obj(sol, p),
        "spectrum.csv": lambda p: formats.write_csv(spectrum, p),
        "images.idx.gz": lambda p: idx.write_idx(p, pixels),
        "checkpoint.pt": lambda p: _checkpoint_writer(p),
    }


def _checkpoint_writer(path: Path) -> None:
    from engine.runs import RunStore

    store = RunStore(path.parent.parent)
    store.checkpoints = path.parent
    store.save_checkpoint(path.stem, {"task": {"w": np.zeros(20_000)}, "step": 1})


@contextlib.contextmanager
def _failing_fsync(exc: BaseException):
    real = os.fsync

    def fail(fd):
        raise exc
    os.fsync = fail
    try:
        yield
    finally:
        os.fsync = real


@contextlib.contextmanager
def _full_disk(folder: Path):
    """A filled 512 KiB tmpfs over ``folder`` (needs root; the cases are skipped elsewhere)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(folder)], check=True,
                   capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> None:
    with open(folder / ".filler", "ab", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 4096)


def writers(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    old = b"the user's old file\n"
    for name, write in _writers().items():
        folder = work / name
        as_folder = folder / f"as-folder{Path(name).suffix}"
        as_folder.mkdir(parents=True)
        yield Case(f"{name}: target is a folder", lambda w=write, f=as_folder: w(f), may_succeed=False,
                   watch=folder)
        yield Case(f"{name}: missing folder", lambda w=write, f=folder, n=name: w(f / "missing" / n),
                   may_succeed=False, watch=folder)
        for fault in (KeyboardInterrupt(), OSError(28, "No space left on device")):
            target = _write(folder / f"{type(fault).__name__}-{name}", old)
            yield Case(f"{name}: {type(fault).__name__} before the rename", lambda w=write, t=target: w(t),
                       may_succeed=False, watch=folder, protect=[target],
                       fault=lambda fault=fault: _failing_fsync(fault))
        if os.geteuid() == 0 and shutil.which("mount"):
            disk = work / f"disk-{name}"

            def on_full_disk(w=write, disk=disk, name=name):
                with _full_disk(disk):
                    target = _write(disk / name, old)
                    _fill(disk)
                    try:
                        w(target)
                    finally:
                        if target.read_bytes() != old:
                            raise AssertionError("the old file changed on a full disk")
                        left = [p.name for p in disk.iterdir() if p.name.endswith((".tmp", ".part"))]
                        if left:
                            raise AssertionError(f"left {left}")
            yield Case(f"{name}: full disk", on_full_disk, may_succeed=False)
    from engine.physics import ellipses

    for unit in (float("inf"), float("nan"), 0.0, -5.0, 1e9, "abc"):
        for fmt, write in (("svg", ellipses.write_net_svg), ("pdf", ellipses.write_net_pdf)):
            yield Case(f"net.{fmt} at unit_mm={unit}", lambda w=write, u=unit, f=fmt: w(2.0, 1.0, work / f"n.{f}", u),
                       may_succeed=False, watch=work)


def training_prechecks(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    from engine import memory
    from engine.jobs import execute
    from engine.train.registry import JOBS

    bad = {"missing": str(work / "nothing"), "random .npz": str(_write(work / "r.npz", rng.randbytes(500))),
           "empty folder": str((work / "empty").mkdir() or work / "empty"),
           "text as IDX": str(_write(work / "t-idx3-ubyte", b"hello")),
           "huge images": str(_huge_images(work / "huge"))}
    for name, job in JOBS.items():
        if name in ("spectra", "verse"):
            continue
        for what, data in bad.items():
            ws = work / f"ws-{name}-{len(what)}"

            def start(job=job, data=data, ws=ws):
                memory.set_limit_gb(16)
                try:
                    execute(job, job.params(data=data), ws)
                finally:
                    memory.set_limit_gb(None)
                    if (ws / "runs").exists() and any((ws / "runs").iterdir()):
                        raise AssertionError("a run folder was left")
            yield Case(f"{name} on {what}", start, may_succeed=False)


def _huge_images(folder: Path) -> Path:
    from PIL import Image

    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.zeros((3000, 3000), np.uint8)).save(folder / f"{i}.png")
    return folder


def sampling_and_download(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    from engine import memory
    from engine.data import mnist
    from engine.train.sampling import sample_run

    run = _good_run(work / "ws")

    def sample(n):
        memory.set_limit_gb(16)
        try:
            sample_run(run, n)
        finally:
            memory.set_limit_gb(None)
    for n in (10**8, 10**9, 2**40):
        yield Case(f"sample n={n}", lambda n=n: sample(n), may_succeed=False)
    yield Case("sample n=0", lambda: sample(0), may_succeed=False)
    yield Case("download offline", lambda: mnist.download(work / "cache", mirrors=["http://mnist.invalid/"],
                                                          timeout=5), may_succeed=False, watch=work)


def _verb(args: list[str]) -> None:
    """Run ``python main.py ARGS`` as a user would: a refusal is clean when it exits non-zero with
    exactly one ``error:`` line and no traceback (raised here as that line, a UserError)."""
    out = subprocess.run([sys.executable, "main.py", *args], cwd=Path(__file__).resolve().parents[1],
                         capture_output=True, text=True, timeout=300)
    if "Traceback" in out.stderr:
        raise RuntimeError("a traceback: " + out.stderr.strip().splitlines()[-1][:150])
    if out.returncode == 0:
        return
    errors = [line for line in out.stderr.splitlines() if "error:" in line]
    if len(errors) != 1:
        raise RuntimeError(f"exit {out.returncode} with {len(errors)} error lines: {out.stderr[-200:]!r}")
    raise UserError(errors[0])


def command_line(work: Path, rng: random.Random, scale: float) -> Iterator[Case]:
    """The verbs given what a new user and a fuzzer gave them."""
    junk = {name: _write(work / name, rng.randbytes(2000)) for name in
            ("junk.txt", "junk.npz", "junk.csv", "junk.fits", "junk.json", "junk.net")}
    empty = _write(work / "empty.txt", b"")
    kept = _write(work / "kept.tsv", b"old\t1\n")
    run = work / "ws" / "runs" / "20260101-000000-vae-abcd"
    run.mkdir(parents=True)
    (run / "config.json").write_bytes(b'{"job": "vae", "params": null}')
    (run / "metrics.jsonl").write_bytes(b"\x00\x01 not json\n")
    folder = work / "folder"
    folder.mkdir()
    cases = [["rope", f"--length={v}"] for v in ("nan", "inf", "-inf", "0", "-1")]
    cases += [["ellipses", f"--unit-mm={v}", "--out", str(work / "net.svg")] for v in ("inf", "nan", "0", "-5", "1e9")]
    cases += [["rope", "--out", str(folder)], ["ellipses", "--out", str(work / "x.docx")],
              ["count", str(junk["junk.txt"]), "--out", str(kept)], ["count", str(empty), "--out", str(kept)],
              ["count", str(work / "missing.txt"), "--out", str(kept)], ["discover", str(junk["junk.json"]),
                                                                          "--out", str(kept)],
              ["segment", str(empty), "--out", str(kept)], ["spectra-export", str(junk["junk.fits"]), "--out",
                                                              str(work / "s.csv")],
              ["spectra-predict", str(folder), str(folder), "--out", str(work / "p.csv")],
              ["sample", str(run), "--out", str(work / "s.npy")], ["resume", str(run)],
              ["train", "vae", "--data", str(junk["junk.npz"]), "--workspace", str(work / "ws2")],
              ["hsic", str(junk["junk.csv"]), "--x", "a", "--y", "b"], ["em", str(empty), "--k", "3"],
              ["cluster", str(junk["junk.net"]), "--out", str(work / "m.tsv")], ["angles", "--n", "1"]]
    for args in cases[: max(6, int(len(cases) * scale))]:
        yield Case(" ".join(args[:2]), lambda args=args: _verb(args), may_succeed=False, watch=work,
                   protect=[kept])


FAMILIES: dict[str, Callable[[Path, random.Random, float], Iterator[Case]]] = {
    "corpus readers": corpus_readers,
    "image sources": image_sources,
    "spectra readers": spectra_readers,
    "run listing": run_folders,
    "checkpoint loading": checkpoints,
    "resume config": resume_configs,
    "writers": writers,
    "training prechecks": training_prechecks,
    "sampling, download": sampling_and_download,
    "command line": command_line,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the generated cases")
    parser.add_argument("--family", action="append", choices=list(FAMILIES), help="only these families")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    scale = 0.2 if args.quick else 1.0
    total, started = Tally(), time.monotonic()
    print(f"{'family':22s} {'tried':>6s} {'clean':>6s}")
    for name in args.family or FAMILIES:
        tally = Tally()
        with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
            try:
                for case in FAMILIES[name](Path(tmp), random.Random(f"{args.seed}-{name}"), scale):
                    why = judge(case)
                    tally.tried += 1
                    if why is None:
                        tally.clean += 1
                    elif len(tally.dirty) < 5:
                        tally.dirty.append(f"{case.name}: {why}")
            except Exception as exc:  # noqa: BLE001 - an engine without the family's entry point
                tally.dirty.append(f"the family stopped: {type(exc).__name__}: {str(exc)[:120]}")
        print(f"{name:22s} {tally.tried:6d} {tally.clean:6d}")
        for line in tally.dirty:
            print(f"    dirty: {line}")
        total.tried += tally.tried
        total.clean += tally.clean
    print(f"{'all':22s} {total.tried:6d} {total.clean:6d}   ({time.monotonic() - started:.0f} s)")
    return 0 if total.clean == total.tried else 1


if __name__ == "__main__":
    sys.exit(main())
