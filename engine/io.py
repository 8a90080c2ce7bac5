"""The one atomic writer: every file the workbench writes for the user goes through it.

The content goes to a temporary file in the target's folder, is flushed and
fsync'd, then renamed over the target.  On any failure — a full disk, a
writer's error, Ctrl-C — the temporary is removed and an existing file at the
target is left byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator

from engine.errors import UserError


class OutputError(UserError, OSError):
    """The output path cannot be written (a folder, a missing folder, no permission, disk full)."""


def check_target(path: Path | str) -> Path:
    """The path as a file to write; refuses a folder and a missing parent folder in one line."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name to write")
    if not path.parent.exists():
        raise OutputError(f"{path.parent}: no such folder")
    return path


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to (by any library: it keeps the target's
    suffix, which some writers read the format from); renamed over ``path`` when the block ends
    without error, removed otherwise."""
    path = check_target(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, UserError):
            raise OutputError(f"{path}: {exc.strerror or exc}") from exc
        raise


@contextlib.contextmanager
def atomic_open(path: Path | str, mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` (text ``"w"`` or binary ``"wb"``); see :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        binary = "b" in mode
        with open(tmp, mode, encoding=None if binary else encoding, newline=None if binary else newline) as fh:
            yield fh
            fh.flush()


def write_bytes(path: Path | str, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def write_text(path: Path | str, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def write_json(path: Path | str, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
