"""Runs on disk: one folder per run, written so that a run killed mid-way
still shows its curves and resumes.

    runs/<yyyymmdd-HHMMSS>-<job>-<id>/
        config.json      params, seed, data fingerprint, versions
        metrics.jsonl    one JSON object a line, flushed per line
        status.json      running / completed / stopped / cancelled / failed (+ error)
        checkpoints/     last.pt, best.pt (atomic: temp file, then rename)
        artifacts/       latest artifact of each kind, as .npz
        log.txt          the run's log lines

:class:`RunStore` is also a sink: hand it to a job and it records the events.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from engine import events as ev

RUNS = "runs"
STATUSES = ("running", "completed", "stopped", "cancelled", "failed", "interrupted")


class WorkspaceError(OSError):
    """The workspace cannot hold runs (missing permission, not a folder, disk full…)."""


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str).encode())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunStore:
    """The folder of one run, and a sink that records its events."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.checkpoints = self.path / "checkpoints"
        self.artifacts = self.path / "artifacts"
        self._metrics_fh = None
        self._log_fh = None
        self.last_step = 0

    # -- creating and opening --------------------------------------------
    @classmethod
    def create(cls, workspace: Path | str, job: str, config: dict[str, Any]) -> "RunStore":
        root = Path(workspace).expanduser() / RUNS
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = root / f"{stamp}-{job}-{secrets.token_hex(3)}"
        try:
            (path / "checkpoints").mkdir(parents=True)
            (path / "artifacts").mkdir()
            probe = path / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise WorkspaceError(f"cannot create a run folder in {root}: {exc.strerror or exc}") from exc
        store = cls(path)
        store.write_config({"job": job, "created": _now(), **config})
        store.write_status("running")
        return store

    @classmethod
    def open(cls, path: Path | str) -> "RunStore":
        path = Path(path)
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is not a run folder (no config.json)")
        return cls(path)

    # -- config and status -----------------------------------------------
    def config(self) -> dict[str, Any]:
        return json.loads((self.path / "config.json").read_text())

    def write_config(self, config: dict[str, Any]) -> None:
        atomic_write_json(self.path / "config.json", config)

    def update_config(self, **entries: Any) -> None:
        cfg = self.config()
        cfg.update(entries)
        self.write_config(cfg)

    def status(self) -> dict[str, Any]:
        try:
            st = json.loads((self.path / "status.json").read_text())
        except (OSError, ValueError):
            return {"status": "interrupted", "error": "status.json is missing or unreadable"}
        if st.get("status") == "running" and st.get("host") == socket.gethostname() \
                and not _pid_alive(int(st.get("pid", 0))):
            st = {**st, "status": "interrupted", "error": "the process ended without closing the run"}
        return st

    def write_status(self, status: str, error: str | None = None, **extra: Any) -> None:
        atomic_write_json(self.path / "status.json", {
            "status": status, "error": error, "updated": _now(), "pid": os.getpid(),
            "host": socket.gethostname(), "step": self.last_step, **extra})

    # -- metrics -----------------------------------------------------------
    def append_metrics(self, record: dict[str, Any]) -> None:
        if self._metrics_fh is None:
            self._metrics_fh = open(self.path / "metrics.jsonl", "a", encoding="utf-8")
        self._metrics_fh.write(json.dumps(record) + "\n")
        self._metrics_fh.flush()

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

    def save_checkpoint(self, name: str, state: dict[str, Any]) -> Path:
        import io

        import torch

        buf = io.BytesIO()
        torch.save(state, buf)
        path = self.checkpoint_path(name)
        atomic_write_bytes(path, buf.getvalue())
        return path

    def load_checkpoint(self, name: str, map_location: Any = "cpu") -> dict[str, Any]:
        import torch

        path = self.checkpoint_path(name)
        if not path.is_file():
            raise FileNotFoundError(f"{self.path.name} has no {name} checkpoint to resume from")
        return torch.load(path, map_location=map_location, weights_only=False)

    def save_artifact(self, kind: str, name: str, payload: dict[str, Any]) -> None:
        arrays = {k: np.asarray(v) for k, v in payload.items()}
        import io

        buf = io.BytesIO()
        np.savez(buf, **arrays)  # small and rewritten often: compressing costs more than it saves
        atomic_write_bytes(self.artifacts / f"{kind}-{name}.npz", buf.getvalue())

    def close(self) -> None:
        for fh in (self._metrics_fh, self._log_fh):
            if fh is not None:
                fh.close()
        self._metrics_fh = self._log_fh = None

    # -- the sink ----------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        self.last_step = max(self.last_step, event.step)
        if isinstance(event, ev.Metrics):
            self.append_metrics({"step": event.step, "epoch": event.epoch, "phase": event.phase,
                                 "time": round(time.time(), 3), **event.values})
        elif isinstance(event, ev.Artifact):
            self.save_artifact(event.kind, event.name, dict(event.payload))
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


def read_metrics(run_dir: Path | str) -> pd.DataFrame:
    """The run's metrics as a frame; a torn last line (a killed run) is skipped."""
    path = Path(run_dir) / "metrics.jsonl"
    rows = []
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    continue
    return pd.DataFrame(rows)


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


def iter_run_dirs(workspace: Path | str) -> Iterator[Path]:
    root = Path(workspace).expanduser() / RUNS
    if root.is_dir():
        yield from sorted((p for p in root.iterdir() if (p / "config.json").is_file()), reverse=True)


def run_info(path: Path) -> RunInfo:
    store = RunStore(path)
    try:
        cfg = store.config()
    except (OSError, ValueError):
        cfg = {}
    st = store.status()
    final: dict[str, float] = {}
    m = read_metrics(path)
    if not m.empty and "phase" in m:
        for phase, frame in m.groupby("phase"):
            last = frame.iloc[-1]
            for col in frame.columns:
                if col not in ("step", "epoch", "phase", "time") and pd.notna(last[col]):
                    final[f"{phase}/{col}"] = float(last[col])
    return RunInfo(path=path, run_id=path.name, job=cfg.get("job", "?"), status=st.get("status", "?"),
                   created=cfg.get("created", ""), error=st.get("error"), final=final,
                   params=cfg.get("params", {}))


def list_runs(workspace: Path | str) -> list[RunInfo]:
    """Every run in ``workspace``, newest first — killed ones too, marked 'interrupted'."""
    return [run_info(p) for p in iter_run_dirs(workspace)]


def open_trained(run_dir: Path | str) -> tuple[RunStore, dict[str, Any]]:
    """A finished or stopped run's store and config, or a UserError saying why it cannot be used."""
    from engine.errors import UserError

    try:
        store = RunStore.open(run_dir)
        return store, store.config()
    except (OSError, ValueError) as exc:
        raise UserError(f"{run_dir}: not a readable run folder ({exc})") from exc


def trained_state(store: RunStore) -> dict[str, Any]:
    """The weights to use from a run: best.pt, else last.pt."""
    from engine.errors import UserError

    name = "best" if store.checkpoint_path("best").is_file() else "last"
    try:
        return store.load_checkpoint(name)["task"]
    except FileNotFoundError as exc:
        raise UserError(f"{store.path.name}: no checkpoint yet (the run ended before its first epoch)") from exc
