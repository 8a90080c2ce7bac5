"""Reader for the IDX format of the MNIST files (LeCun's site), gzip or not.

Written by hand: the format is a 4-byte magic (two zero bytes, a type code, the
number of dimensions), one big-endian int32 per dimension, then the values.  No
maintained library reads it without pulling torchvision.

Sizes are multiplied in Python integers, so a damaged header whose sizes
overflow 64 bits is reported as not matching the file rather than reaching
numpy's reshape.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from engine.data import DataError
from engine.io import write_bytes

_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
          0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_READ_ERRORS = (OSError, EOFError, zlib.error)


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _open(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


def _header(path: Path, raw: bytes) -> tuple[np.dtype, tuple[int, ...]]:
    """(dtype, shape) from the first bytes of an IDX file."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise DataError(f"{path.name}: not an IDX file (bad magic number)")
    ndim = raw[3]
    if ndim == 0 or len(raw) < 4 + 4 * ndim:
        raise DataError(f"{path.name}: IDX header is truncated")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.dtype(_TYPES[raw[2]]), shape


def read_header(path: Path | str) -> tuple[np.dtype, tuple[int, ...]]:
    """(dtype, shape) without reading the values, checked against the file's size (for gzip, the
    uncompressed size modulo 2³² its trailer records)."""
    path = Path(path)
    try:
        with _open(path) as fh:
            raw = fh.read(4 + 4 * 255)
        dtype, shape = _header(path, raw)
        head = 4 + 4 * len(shape)
        if _is_gzip(path):
            with open(path, "rb") as fh:
                fh.seek(-4, 2)
                isize = int.from_bytes(fh.read(4), "little")
            if isize != (head + math.prod(shape) * dtype.itemsize) % 2**32:
                raise DataError(f"{path.name}: damaged gzip or IDX header: the header says "
                                f"{'×'.join(map(str, shape))}, which does not match the file's size")
        else:
            _check_size(path, dtype, shape, path.stat().st_size - head)
    except _READ_ERRORS as exc:
        raise DataError(f"{path.name}: cannot read ({exc})") from exc
    return dtype, shape


def _check_size(path: Path, dtype: np.dtype, shape: tuple[int, ...], held: int) -> None:
    expected = math.prod(shape) * dtype.itemsize
    if held != expected:
        raise DataError(f"{path.name}: IDX file is truncated or padded: header says "
                        f"{'×'.join(map(str, shape))} ({expected:,} bytes of data), file holds {held:,}")


def read_idx(path: Path | str) -> np.ndarray:
    path = Path(path)
    try:
        with _open(path) as fh:
            raw = fh.read()
    except _READ_ERRORS as exc:
        raise DataError(f"{path.name}: cannot read ({exc})") from exc
    dtype, shape = _header(path, raw)
    body = memoryview(raw)[4 + 4 * len(shape):]
    _check_size(path, dtype, shape, len(body))
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: Path | str, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as IDX (gzip when the name ends in .gz): tests and exports use it."""
    path = Path(path)
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
            np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}
    arr = np.asarray(array)
    head = bytes([0, 0, code[arr.dtype], arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    data = head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        data = gzip.compress(data)
    write_bytes(path, data)


def label_file_for(images: Path) -> Path | None:
    """The labels file beside an MNIST-style images file, if there is one."""
    name = images.name
    for a, b in (("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1"), ("images", "labels")):
        if a in name:
            cand = images.with_name(name.replace(a, b))
            if cand.exists():
                return cand
            for alt in (cand.with_name(cand.name + ".gz"), cand.with_name(cand.name.removesuffix(".gz"))):
                if alt.exists():
                    return alt
    return None
