"""Runs on disk: one folder per run, written so that a run killed mid-way
still shows its curves and resumes.

    runs/<yyyymmdd-HHMMSS>-<job>-<id>/
        config.json      params, seed, data fingerprint, versions
        metrics.jsonl    one JSON object a line, flushed per line
        status.json      running / completed / stopped / cancelled / failed (+ error)
        checkpoints/     last.pt, best.pt (atomic, through engine.io)
        artifacts/       <kind>-<name>/<step>.npz: the pictures a run drew, thinned to at
                         most HISTORY of each, spread evenly over the run, so a run
                         list can step back through them
        log.txt          the run's log lines
        notes.json       the user's note and tags, and what a Compare changed (written by the GUI,
                         never by the run)
        lock             held (an OS file lock) while a job runs in the folder; holds its pid

:class:`RunStore` is also a sink: hand it to a job and it records the events.

Reading is forgiving, writing is strict: a damaged folder (a config that is
not an object, a status with a nonsense pid, binary bytes in the metrics) is
still listed, with a note of what is wrong, and never stops the listing of a
workspace; what a run writes goes through the one atomic writer; a folder
that cannot be completed when a run is created is removed again.

The lock is an OS lock (``flock``; ``msvcrt.locking`` on Windows) on the
``lock`` file, so the system frees it when its process dies, even by
``kill -9``: a stale lock left by a dead process is simply taken.  The file is
never deleted (deleting a lock file lets two processes lock two different
files of the same name).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator

import numpy as np
import pandas as pd

from engine import events as ev
from engine.errors import UserError
from engine.io import atomic_path, write_bytes, write_json

RUNS = "runs"
LOCK = "lock"
STATUSES = ("running", "completed", "stopped", "cancelled", "failed", "interrupted")
HISTORY = 40  # pictures kept of each kind and name
RESERVED = ("step", "epoch", "phase", "time")  # metric record fields that are not curves


class WorkspaceError(UserError, OSError):
    """The workspace cannot hold runs (missing permission, not a folder, disk full…)."""


class RunFolderError(UserError, ValueError):
    """A run folder, or a file in it, that cannot be used; the message names the file."""


class NotARunFolder(RunFolderError, FileNotFoundError):
    """No run folder there, or no checkpoint in it yet."""


class RunLocked(RunFolderError):
    """Another process runs a job in this folder now."""


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _pid(value: Any) -> int | None:
    """A process id from a status file, or None when it is not one."""
    if isinstance(value, bool):
        return None
    try:
        pid = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return pid if 0 < pid < 2**31 else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _first_line(exc: BaseException, limit: int = 120) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:limit] if text else "") or exc.__class__.__name__


def _try_lock(fh: IO[Any]) -> bool:
    """Lock ``fh`` without waiting; False when another holder has it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except (BlockingIOError, PermissionError):
        return False


def _unlock(fh: IO[Any]) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _metric_record(raw: bytes) -> dict[str, Any] | None:
    """One metrics line as a record, or None for a torn, binary or malformed line."""
    try:
        rec = json.loads(raw)
    except ValueError:  # includes UnicodeDecodeError
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("phase"), str):
        return None
    step = rec.get("step")
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step):
        return None
    return rec


class RunStore:
    """The folder of one run, and a sink that records its events."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.checkpoints = self.path / "checkpoints"
        self.artifacts = self.path / "artifacts"
        self._metrics_fh: IO[str] | None = None
        self._log_fh: IO[str] | None = None
        self._lock_fh: IO[str] | None = None
        self.last_step = 0

    # -- creating and opening --------------------------------------------
    @classmethod
    def create(cls, workspace: Path | str, job: str, config: dict[str, Any]) -> "RunStore":
        """A new run folder with its config and a 'running' status; on any failure (no
        permission, a full disk) nothing of it is left and :class:`WorkspaceError` says why."""
        root = Path(workspace).expanduser() / RUNS
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = root / f"{stamp}-{job}-{secrets.token_hex(3)}"
        made = False
        try:
            root.mkdir(parents=True, exist_ok=True)
            path.mkdir()
            made = True
            (path / "checkpoints").mkdir()
            (path / "artifacts").mkdir()
            store = cls(path)
            store.write_config({"job": job, "created": _now(), **config})
            store.write_status("running")
        except BaseException as exc:
            if made:
                shutil.rmtree(path, ignore_errors=True)
            if isinstance(exc, OSError):
                reason = exc.strerror or _first_line(exc)
                raise WorkspaceError(f"cannot create a run folder in {root}: {reason}") from exc
            raise
        return store

    @classmethod
    def open(cls, path: Path | str) -> "RunStore":
        path = Path(path)
        if not (path / "config.json").is_file():
            raise NotARunFolder(f"{path}: not a readable run folder (no config.json)")
        return cls(path)

    # -- the lock ----------------------------------------------------------
    def acquire_lock(self) -> None:
        """Hold this folder for the job about to run in it; :class:`RunLocked` names the process
        that holds it now.  A lock whose process died is taken over."""
        if self._lock_fh is not None:
            return
        try:
            fh = open(self.path / LOCK, "a+", encoding="utf-8")
        except OSError as exc:
            raise WorkspaceError(f"{self.path / LOCK}: cannot be written ({exc.strerror or exc})") from exc
        if not _try_lock(fh):
            fh.seek(0)
            owner = fh.read().split()
            fh.close()
            who = f" (pid {owner[0]}{f' on {owner[1]}' if len(owner) > 1 else ''})" if owner else ""
            raise RunLocked(f"{self.path.name} is already running{who}")
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {socket.gethostname()}\n")
        fh.flush()
        self._lock_fh = fh

    def release_lock(self) -> None:
        fh, self._lock_fh = self._lock_fh, None
        if fh is None:
            return
        try:
            fh.seek(0)
            fh.truncate()
            _unlock(fh)
        except OSError:
            pass  # closing the file below frees the lock all the same
        finally:
            fh.close()

    # -- config and status -----------------------------------------------
    def config(self) -> dict[str, Any]:
        """config.json as a dict; :class:`RunFolderError` naming the file when it is not one."""
        path = self.path / "config.json"
        try:
            cfg = json.loads(path.read_bytes())
        except FileNotFoundError as exc:
            raise NotARunFolder(f"{path}: missing (not a run folder)") from exc
        except OSError as exc:
            raise RunFolderError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        except ValueError as exc:
            raise RunFolderError(f"{path}: damaged (not JSON: {_first_line(exc)})") from exc
        if not isinstance(cfg, dict):
            raise RunFolderError(f"{path}: damaged (a JSON {type(cfg).__name__}, not an object)")
        return cfg

    def job_and_params(self) -> tuple[str, dict[str, Any]]:
        """The job name and params a run was started with, checked, for resuming it."""
        cfg = self.config()
        job, params = cfg.get("job"), cfg.get("params")
        where = self.path / "config.json"
        if not isinstance(job, str) or not job:
            raise RunFolderError(f"{where}: damaged (no job name)")
        if not isinstance(params, dict):
            raise RunFolderError(f"{where}: damaged ('params' is {json.dumps(params)[:40]}, not an object)")
        return job, params

    def write_config(self, config: dict[str, Any]) -> None:
        write_json(self.path / "config.json", config)

    def update_config(self, **entries: Any) -> None:
        cfg = self.config()
        cfg.update(entries)
        self.write_config(cfg)

    def status(self) -> dict[str, Any]:
        """status.json, with a run whose process is gone shown as 'interrupted'."""
        try:
            st = json.loads((self.path / "status.json").read_bytes())
        except (OSError, ValueError):
            return {"status": "interrupted", "error": "status.json is missing or unreadable"}
        if not isinstance(st, dict) or st.get("status") not in STATUSES:
            return {"status": "interrupted", "error": "status.json is damaged"}
        if st.get("status") == "running" and st.get("host") == socket.gethostname():
            pid = _pid(st.get("pid"))
            if pid is None or not _pid_alive(pid):
                st = {**st, "status": "interrupted", "error": "the process ended without closing the run"}
        return st

    def write_status(self, status: str, error: str | None = None, **extra: Any) -> None:
        write_json(self.path / "status.json", {
            "status": status, "error": error, "updated": _now(), "pid": os.getpid(),
            "host": socket.gethostname(), "step": self.last_step, **extra})

    # -- metrics -----------------------------------------------------------
    def append_metrics(self, record: dict[str, Any]) -> None:
        if self._metrics_fh is None:
            path = self.path / "metrics.jsonl"
            torn = path.is_file() and path.stat().st_size > 0 and _last_byte(path) != b"\n"
            self._metrics_fh = open(path, "a", encoding="utf-8")
            if torn:  # a killed run's half line: end it, so this record stays whole
                self._metrics_fh.write("\n")
        self._metrics_fh.write(json.dumps(record) + "\n")
        self._metrics_fh.flush()

    def truncate_metrics(self, step: int) -> int:
        """Drop the lines recorded after ``step`` (the abandoned part of an interrupted epoch, which
        the resumed run records again) and lines that do not parse; returns how many were dropped."""
        path = self.path / "metrics.jsonl"
        if not path.is_file():
            return 0
        kept, dropped = [], 0
        with open(path, "rb") as fh:
            for raw in fh:
                rec = _metric_record(raw)
                if rec is None or rec["step"] > step:
                    dropped += 1
                else:
                    kept.append(raw if raw.endswith(b"\n") else raw + b"\n")
        if dropped:
            write_bytes(path, b"".join(kept))
        return dropped

    def metrics(self) -> pd.DataFrame:
        return read_metrics(self.path)

    def log(self, level: str, message: str) -> None:
        if self._log_fh is None:
            self._log_fh = open(self.path / "log.txt", "a", encoding="utf-8")
        self._log_fh.write(f"{_now()} {level.upper():7s} {message}\n")
        self._log_fh.flush()

    # -- checkpoints and artifacts --------------------------------------------
    def checkpoint_path(self, name: str) -> Path:
        return self.checkpoints / f"{name}.pt"

    def has_checkpoint(self, name: str) -> bool:
        return self.checkpoint_path(name).is_file()

    def save_checkpoint(self, name: str, state: dict[str, Any]) -> Path:
        """Serialised in memory first: torch's own file writer reports a full disk as a bare
        RuntimeError, the atomic writer as one line."""
        import io

        import torch

        buf = io.BytesIO()
        torch.save(state, buf)
        path = self.checkpoint_path(name)
        write_bytes(path, buf.getbuffer())
        return path

    def load_checkpoint(self, name: str, map_location: Any = "cpu") -> dict[str, Any]:
        """The checkpoint ``name`` as saved; :class:`RunFolderError` naming the file when it is
        missing, empty, truncated or not a checkpoint at all."""
        import torch

        path = self.checkpoint_path(name)
        shown = f"{self.path.name}/checkpoints/{name}.pt"
        if not path.is_file():
            raise NotARunFolder(f"{self.path.name} has no {name} checkpoint ({shown} is missing)")
        try:
            state = torch.load(path, map_location=map_location, weights_only=False)
        except MemoryError as exc:
            raise RunFolderError(f"{shown}: damaged checkpoint (it asks for impossible sizes)") from exc
        except Exception as exc:  # torch and pickle raise many kinds for a damaged file
            why = "empty" if path.stat().st_size == 0 else f"truncated or damaged: {_first_line(exc, 80)}"
            raise RunFolderError(f"{shown}: not a readable checkpoint ({why})") from exc
        if not isinstance(state, dict) or not isinstance(state.get("task"), dict):
            raise RunFolderError(f"{shown}: not a checkpoint of this workbench (no model state in it)")
        return state

    def save_artifact(self, kind: str, name: str, payload: dict[str, Any], step: int = 0) -> None:
        arrays = {k: np.asarray(v) for k, v in payload.items()}
        folder = self.artifacts / f"{kind}-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / f"{step:09d}.npz") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # small and written often: compressing costs more than it saves
        saved = sorted(folder.glob("*.npz"))
        if len(saved) > HISTORY:  # drop the one whose neighbours lie closest: the rest stay evenly spread
            steps = [int(f.stem) for f in saved]
            closest = min(range(1, len(steps) - 1), key=lambda i: steps[i + 1] - steps[i - 1])
            saved[closest].unlink(missing_ok=True)

    def close(self) -> None:
        for fh in (self._metrics_fh, self._log_fh):
            if fh is not None:
                fh.close()
        self._metrics_fh = self._log_fh = None
        self.release_lock()

    # -- the sink ----------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        self.last_step = max(self.last_step, event.step)
        if isinstance(event, ev.Metrics):
            self.append_metrics({"step": event.step, "epoch": event.epoch, "phase": event.phase,
                                 "time": round(time.time(), 3), **event.values})
        elif isinstance(event, ev.Artifact):
            self.save_artifact(event.kind, event.name, dict(event.payload), event.step)
        elif isinstance(event, ev.Log):
            self.log(event.level, event.message)
        elif isinstance(event, ev.Started):
            self.write_status("running")
        elif isinstance(event, ev.Finished):
            self.write_status(event.status, summary=dict(event.summary))
            self.close()
        elif isinstance(event, ev.Failed):
            self.log("error", event.traceback or event.message)
            self.write_status("failed", error=event.message)
            self.close()


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1)


def read_metrics(run_dir: Path | str) -> pd.DataFrame:
    """The run's metrics as a frame of numbers (and the phase), each phase's steps increasing.

    Torn, binary and malformed lines are skipped and a value that is not a number
    reads as NaN.  Where a phase's step goes back (a run resumed before its
    abandoned lines were dropped), the later records replace the earlier ones
    from that step on, so every curve is monotone."""
    path = Path(run_dir) / "metrics.jsonl"
    kept: dict[str, list[tuple[float, int]]] = {}  # phase → (step, line number) in order
    records: dict[int, dict[str, Any]] = {}
    try:
        with open(path, "rb") as fh:
            for number, raw in enumerate(fh):
                rec = _metric_record(raw)
                if rec is None:
                    continue
                seq = kept.setdefault(rec["phase"], [])
                while seq and seq[-1][0] >= rec["step"]:
                    records.pop(seq.pop()[1])
                seq.append((rec["step"], number))
                records[number] = rec
    except OSError:
        pass  # no metrics yet
    frame = pd.DataFrame([records[k] for k in sorted(records)])
    for col in frame.columns:
        if col != "phase":
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


@dataclass(frozen=True)
class RunInfo:
    path: Path
    run_id: str
    job: str
    status: str
    created: str
    error: str | None
    final: dict[str, float]
    params: dict[str, Any]
    problem: str | None = None  # what is damaged in the folder, when something is
    epochs_done: int = 0
    note: str = ""
    tags: tuple[str, ...] = ()


def iter_run_dirs(workspace: Path | str) -> Iterator[Path]:
    """Every folder under ``runs/``, newest first (a damaged one too: it is listed with its problem)."""
    root = Path(workspace).expanduser() / RUNS
    try:
        found = [p for p in root.iterdir() if not p.name.startswith(".") and p.is_dir()] if root.is_dir() else []
    except OSError as exc:
        raise WorkspaceError(f"cannot list the runs in {root}: {exc.strerror or exc}") from exc
    yield from sorted(found, reverse=True)


def run_info(path: Path) -> RunInfo:
    """What a run list shows of one folder; never raises for a damaged folder."""
    store = RunStore(path)
    problems: list[str] = []
    try:
        cfg = store.config()
    except RunFolderError as exc:
        cfg = {}
        problems.append(str(exc).removeprefix(f"{path}").lstrip("/\\: ") or "config.json is damaged")
    st = store.status()
    if st.get("error") in ("status.json is missing or unreadable", "status.json is damaged"):
        problems.append(st["error"])
    final: dict[str, float] = {}
    epochs_done = 0
    try:
        m = read_metrics(path)
    except (ValueError, TypeError, MemoryError):
        m = pd.DataFrame()
        problems.append("metrics.jsonl cannot be read")
    if not m.empty and "phase" in m:
        for phase, frame in m.groupby("phase"):
            last = frame.iloc[-1]
            for col in frame.columns:
                if col not in RESERVED and pd.notna(last[col]):
                    final[f"{phase}/{col}"] = float(last[col])
        ends = m.loc[m["phase"] == "val", "epoch"].dropna() if "epoch" in m else ()
        if len(ends):  # a validation closes each epoch (numbered from 0), or a stop early
            epochs_done = int(ends.max()) + 1
    params = cfg.get("params")
    job, created = cfg.get("job"), cfg.get("created")
    return RunInfo(path=path, run_id=path.name, job=job if isinstance(job, str) else "?",
                   status=str(st.get("status", "?")), created=created if isinstance(created, str) else "",
                   error=None if st.get("error") is None else str(st.get("error")), final=final,
                   params=params if isinstance(params, dict) else {},
                   problem="; ".join(problems) or None, epochs_done=epochs_done, **read_notes(path))


def _notes(run_dir: Path | str) -> dict[str, Any]:
    """notes.json as a dict; empty when it is missing or damaged."""
    try:
        raw = json.loads((Path(run_dir) / "notes.json").read_bytes())
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def read_notes(run_dir: Path | str) -> dict[str, Any]:
    """{"note": str, "tags": tuple} of a run; empty when it has none or they are damaged."""
    raw = _notes(run_dir)
    tags = raw.get("tags") if isinstance(raw.get("tags"), list) else []
    return {"note": str(raw.get("note", "")), "tags": tuple(str(t) for t in tags)}


def write_notes(run_dir: Path | str, note: str, tags: Iterator[str] | list[str] | tuple[str, ...]) -> None:
    """Keep the user's note and tags with the run (tags stripped, empty ones and repeats dropped)."""
    clean = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    compared = compared_as(run_dir)
    write_json(Path(run_dir) / "notes.json",
               {"note": note, "tags": clean, **({"compared": compared} if compared else {})})


def mark_compared(run_dir: Path | str, change: str) -> None:
    """Record what a Compare changed for this run, and make it the run's note unless the user
    wrote one.  In notes.json, which the GUI alone writes: the run's own process may be
    rewriting config.json at that moment."""
    notes = read_notes(run_dir)
    write_json(Path(run_dir) / "notes.json",
               {"note": notes["note"] or change, "tags": list(notes["tags"]), "compared": change})


def compared_as(run_dir: Path | str) -> str:
    """What a Compare changed for this run ("optimizer = sgd"), or "" (not compared, or unreadable)."""
    return str(_notes(run_dir).get("compared", ""))


def saved_pictures(run_dir: Path | str) -> dict[tuple[str, str], list[int]]:
    """{(kind, name): steps with a saved picture, ascending} of a run folder."""
    found: dict[tuple[str, str], list[int]] = {}
    root = Path(run_dir) / "artifacts"
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        kind, _, name = folder.name.partition("-")
        steps = sorted(int(f.stem) for f in folder.glob("*.npz") if f.stem.isdigit()) if folder.is_dir() else []
        if name and steps:
            found[(kind, name)] = steps
    return found


def read_picture(run_dir: Path | str, kind: str, name: str, step: int) -> dict[str, Any] | None:
    """A saved picture's payload (0-d arrays as plain values), or None when it is gone or damaged."""
    path = Path(run_dir) / "artifacts" / f"{kind}-{name}" / f"{step:09d}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: (z[k].item() if z[k].ndim == 0 else z[k]) for k in z.files}
    except (OSError, ValueError, EOFError, KeyError):
        return None


def list_runs(workspace: Path | str) -> list[RunInfo]:
    """Every run in ``workspace``, newest first — killed ones too, marked 'interrupted', and
    damaged ones with a note of the damage."""
    return [run_info(p) for p in iter_run_dirs(workspace)]


def open_trained(run_dir: Path | str) -> tuple[RunStore, dict[str, Any]]:
    """A finished or stopped run's store and config, or a UserError saying why it cannot be used."""
    try:
        store = RunStore.open(run_dir)
        return store, store.config()
    except RunFolderError:
        raise
    except OSError as exc:
        raise RunFolderError(f"{run_dir}: not a readable run folder ({exc.strerror or exc})") from exc


def trained_state(store: RunStore) -> dict[str, Any]:
    """The weights to use from a run: best.pt, else last.pt."""
    name = "best" if store.has_checkpoint("best") else "last"
    if not store.has_checkpoint(name):
        raise NotARunFolder(f"{store.path.name}: no checkpoint yet (the run ended before its first epoch)")
    return store.load_checkpoint(name)["task"]
