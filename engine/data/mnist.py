"""Download the standard MNIST files into a cache, checked by MD5.

Fetched with the standard library (no torchvision): each file goes to a temp
name and is renamed only once complete and verified, so a broken download never
leaves a file that looks good.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Mapping, Sequence

import platformdirs

from engine.data import DataError
from engine.tasks import TaskContext

FILES: Mapping[str, str] = {  # name -> md5 of the published files
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MIRRORS: Sequence[str] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


def cache_dir(cache: Path | None = None) -> Path:
    return Path(cache) if cache else Path(platformdirs.user_cache_dir("kexue-workbench", appauthor=False)) / "mnist"


def cached_file(name: str, cache: Path | None = None) -> Path:
    path = cache_dir(cache) / name
    if not path.is_file():
        raise DataError(f"MNIST is not downloaded yet (looked in {path.parent}); "
                        f"use 'Download MNIST' or `python main.py download-mnist`")
    return path


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(cache: Path | None = None, mirrors: Sequence[str] = MIRRORS,
             files: Mapping[str, str] = FILES,
             ctx: TaskContext | None = None, timeout: float = 30.0) -> Path:
    """Fetch each missing file from the first mirror that serves it; return the cache folder.

    ``ctx`` gets the bytes of each file as they arrive and is checked between chunks (Cancel).
    """
    ctx = ctx or TaskContext()
    folder = cache_dir(cache)
    folder.mkdir(parents=True, exist_ok=True)
    for name, md5 in files.items():
        target = folder / name
        if target.is_file() and _md5(target) == md5:
            continue
        errors = []
        for base in mirrors:
            tmp = target.with_name(f".{name}.part")
            try:
                with urllib.request.urlopen(base + name, timeout=timeout) as resp, open(tmp, "wb") as out:
                    total = int(resp.headers.get("Content-Length") or 0)
                    done = 0
                    while chunk := resp.read(1 << 16):
                        ctx.checkpoint()
                        out.write(chunk)
                        done += len(chunk)
                        ctx.progress(done, total or None, f"{name}: {done / 1e6:.1f} MB")
                if _md5(tmp) != md5:
                    raise DataError(f"{name} from {base} failed its MD5 check")
                os.replace(tmp, target)
                break
            except DataError as exc:
                tmp.unlink(missing_ok=True)
                errors.append(str(exc))
            except OSError as exc:  # URLError is an OSError: no network, 404, timeout
                tmp.unlink(missing_ok=True)
                if not isinstance(exc, (urllib.error.URLError, TimeoutError, ConnectionError)):
                    raise DataError(f"cannot write {tmp.parent}: {exc.strerror or exc}") from exc
                errors.append(_why(base, exc))
            except BaseException:  # Cancelled, Ctrl-C: no partial file stays
                tmp.unlink(missing_ok=True)
                raise
        else:
            if all(e.endswith(UNREACHABLE) for e in errors):
                hosts = ", ".join(urllib.parse.urlsplit(m).netloc or m for m in mirrors)
                raise DataError(f"cannot reach the MNIST mirrors ({hosts}): no network?")
            raise DataError(f"could not download {name}: " + "; ".join(errors))
    return folder


UNREACHABLE = "unreachable"


def _why(base: str, exc: OSError) -> str:
    """One short reason per mirror: an HTTP status, or unreachable (no network, DNS, timeout)."""
    host = urllib.parse.urlsplit(base).netloc or base
    if isinstance(exc, urllib.error.HTTPError):
        return f"{host}: HTTP {exc.code}"
    return f"{host}: {UNREACHABLE}"
