"""Image datasets for the generative models: one in-memory container and the
readers that fill it (scikit-learn digits, MNIST IDX, .npz, a folder of images).

Images are float32 in [0, 1], shaped (N, H, W) for grey or (N, C, H, W); labels
are int64 with -1 meaning "unlabelled".  Every reader records a fingerprint
(where the data came from and a hash of its content) so a run can say exactly
what it was trained on.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from engine import memory
from engine.data import DataError, idx

BUILTIN = ("digits", "mnist")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff")


@dataclass(frozen=True)
class ImageSet:
    x: np.ndarray  # float32 in [0, 1], (N, C, H, W)
    y: np.ndarray  # int64, -1 where unlabelled
    name: str
    source: str
    sha256: str

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.x.shape[1:])  # type: ignore[return-value]

    @property
    def labelled(self) -> bool:
        return bool((self.y >= 0).any())

    def fingerprint(self) -> dict[str, object]:
        return {"name": self.name, "source": self.source, "sha256": self.sha256,
                "n": int(len(self.x)), "shape": list(self.shape)}

    def summary(self) -> str:
        c, h, w = self.shape
        classes = len(np.unique(self.y[self.y >= 0])) if self.labelled else 0
        lab = f", {classes} classes" if classes else ", unlabelled"
        return f"{self.name}: {len(self.x):,} images of {h}×{w}{'' if c == 1 else f'×{c}'}{lab}"


def _layout(shape: tuple[int, ...], name: str) -> tuple[int, tuple[int, int, int], bool]:
    """(count, (C, H, W), stored channels-last?) of a stack of images stored with ``shape``:
    flat rows of a square number of values, (N, H, W), (N, C, H, W) or (N, H, W, C)."""
    if len(shape) == 2:  # flat vectors: square images when possible
        side = math.isqrt(shape[1])
        if side * side != shape[1]:
            raise DataError(f"{name}: rows of {shape[1]} values are not square images")
        shape = (shape[0], side, side)
    if len(shape) == 3:
        return shape[0], (1, shape[1], shape[2]), False
    if len(shape) == 4 and shape[0] > 0:
        if shape[-1] in (1, 3, 4) and shape[1] not in (1, 3, 4):
            return shape[0], (shape[3], shape[1], shape[2]), True
        return shape[0], (shape[1], shape[2], shape[3]), False
    raise DataError(f"{name}: expected a stack of images, got an array of shape {tuple(shape)}")


def _check_dtype(dtype: np.dtype, name: str) -> None:
    if dtype.kind == "O":
        raise DataError(f"{name}: images have mixed sizes; resize them to one size first")
    if np.issubdtype(dtype, np.complexfloating):
        raise DataError(f"{name}: image values are complex numbers ({dtype}); give real-valued images")
    if not np.issubdtype(dtype, np.number):
        raise DataError(f"{name}: image values are {dtype}, not numbers")


def _finish(x: np.ndarray, y: np.ndarray | None, name: str, source: str) -> ImageSet:
    x = np.asarray(x)
    _check_dtype(x.dtype, name)
    n, chw, channels_last = _layout(x.shape, name)
    x = np.transpose(x, (0, 3, 1, 2)) if channels_last else x.reshape(n, *chw)
    if n == 0:
        raise DataError(f"{name}: expected a stack of images, got an array of shape {x.shape}")
    digest = hashlib.sha256(memoryview(np.ascontiguousarray(x)).cast("B")).hexdigest()  # no copy; GIL released
    xf = x.astype(np.float32)
    if not np.isfinite(xf).all():
        raise DataError(f"{name}: images contain NaN or infinite values")
    if x.dtype == np.uint8:
        xf /= 255.0
    else:
        lo, hi = float(xf.min()), float(xf.max())
        if lo < 0 or hi > 1:
            xf = (xf - lo) / (hi - lo if hi > lo else 1.0)
    if y is None:
        y = np.full(len(xf), -1, np.int64)
    else:
        y = np.asarray(y).reshape(-1)
        if len(y) != len(xf):
            raise DataError(f"{name}: {len(xf)} images but {len(y)} labels")
        if not np.issubdtype(y.dtype, np.integer):
            try:
                y = np.unique(y, return_inverse=True)[1]
            except TypeError as exc:
                raise DataError(f"{name}: labels cannot be read as classes") from exc
    return ImageSet(np.ascontiguousarray(xf), y.astype(np.int64), name, source, digest)


@dataclass(frozen=True)
class ImageInfo:
    """What a source holds, read from headers only: enough to check it and size a model."""

    name: str
    n: int
    shape: tuple[int, int, int]  # (C, H, W) as loaded
    itemsize: int  # bytes per stored value

    @property
    def load_bytes(self) -> int:
        """Peak memory of loading: the stored values (read, then stacked or converted), the
        float32 set and the float32 train/validation copies."""
        return memory.tensor_bytes((self.n, *self.shape), 2 * self.itemsize + 8)

    def describe(self) -> str:
        c, h, w = self.shape
        return f"{self.n:,} images of {h}×{w}{'' if c == 1 else f'×{c}'}"


DIGITS = ImageInfo("digits", 1797, (1, 8, 8), 8)


def load_digits() -> ImageSet:
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    return _finish(d.images.astype(np.float32) / 16.0, d.target, "digits", "sklearn.datasets.load_digits")


def load_idx_images(path: Path) -> ImageSet:
    x = idx.read_idx(path)
    if x.ndim not in (3, 4):
        raise DataError(f"{path.name}: an IDX image file holds 3 or 4 dimensions, this one {x.ndim}")
    labels_path = idx.label_file_for(path)
    y = idx.read_idx(labels_path) if labels_path is not None else None
    return _finish(x, y, path.name, str(path))


def peek_idx(path: Path) -> ImageInfo:
    dtype, shape = idx.read_header(path)
    if len(shape) not in (3, 4):
        raise DataError(f"{path.name}: an IDX image file holds 3 or 4 dimensions, this one {len(shape)}")
    n, chw, _ = _layout(shape, path.name)
    return ImageInfo(path.name, n, chw, dtype.itemsize)


_NPZ_KEYS = {"x": "y", "images": "labels", "x_train": "y_train"}


def _npz_image_key(keys: set[str], path: Path) -> str:
    xkey = next((k for k in _NPZ_KEYS if k in keys), None)
    if xkey is None:
        raise DataError(f"{path.name}: no image array; expected 'x' (and optional 'y'), "
                        f"found {', '.join(sorted(keys)) or 'nothing'}")
    return xkey


def _not_npz(path: Path, exc: BaseException | None = None) -> DataError:
    why = f" ({str(exc).splitlines()[0][:120]})" if exc is not None and str(exc) else ""
    return DataError(f"{path.name}: not a readable .npz archive (damaged, or not made by numpy.savez){why}")


def peek_npz(path: Path) -> ImageInfo:
    """Shape and type of the image array from its .npy header inside the archive."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = {m.removesuffix(".npy"): m for m in zf.namelist()}
            xkey = _npz_image_key(set(members), path)
            with zf.open(members[xkey]) as fh:
                version = np.lib.format.read_magic(fh)
                read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, _, dtype = read(fh)
    except DataError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, NotImplementedError) as exc:
        raise _not_npz(path, exc) from exc
    _check_dtype(dtype, path.name)
    n, chw, _ = _layout(tuple(shape), path.name)
    return ImageInfo(path.name, n, chw, dtype.itemsize)


def load_npz(path: Path) -> ImageSet:
    if not zipfile.is_zipfile(path):
        raise _not_npz(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            xkey = _npz_image_key(set(z.files), path)
            x = z[xkey]
            y = z[_NPZ_KEYS[xkey]] if _NPZ_KEYS[xkey] in z.files else None
    except DataError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise DataError(f"{path.name}: images have mixed sizes (stored as objects); "
                            f"resize them to one size first") from exc
        raise _not_npz(path, exc) from exc
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError) as exc:
        raise _not_npz(path, exc) from exc
    return _finish(x, y, path.name, str(path))


def _folder_files(path: Path) -> list[Path]:
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{path.name}: no images ({', '.join(IMAGE_SUFFIXES)}) in this folder")
    return files


def _one_size(path: Path, sizes: dict[tuple[int, int], list[str]]) -> tuple[int, int]:
    if len(sizes) > 1:
        desc = "; ".join(f"{h}×{w}: {len(v)} (e.g. {v[0]})" for (h, w), v in sizes.items())
        raise DataError(f"{path.name}: images have mixed sizes — {desc}; resize them to one size first")
    return next(iter(sizes))


@contextlib.contextmanager
def _image(f: Path) -> Iterator[Any]:
    """An image opened lazily (its header read, its pixels not yet decoded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(f) as im:
            yield im
    except Image.DecompressionBombError as exc:
        raise DataError(f"{f.name}: too many pixels to be a training image ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{f.name}: not a readable image ({exc})") from exc


def peek_folder(path: Path) -> ImageInfo:
    """Count and size of a folder's images from their headers, before any is decoded."""
    sizes: dict[tuple[int, int], list[str]] = {}
    files = _folder_files(path)
    for f in files:
        with _image(f) as im:
            w, h = im.size
        sizes.setdefault((h, w), []).append(f.name)
    h, w = _one_size(path, sizes)
    return ImageInfo(path.name, len(files), (1, h, w), 1)


def load_folder(path: Path) -> ImageSet:
    """A folder of images (read as grey); a sub-folder's name is its images' label."""
    arrays, labels, sizes = [], [], {}
    for f in _folder_files(path):
        with _image(f) as im:
            a = np.asarray(im.convert("L"))
        sizes.setdefault(a.shape, []).append(f.name)
        arrays.append(a)
        labels.append(f.parent.name if f.parent != path else "")
    _one_size(path, sizes)
    y = np.unique(labels, return_inverse=True)[1] if any(labels) else None
    return _finish(np.stack(arrays), y, path.name, str(path))


_last: tuple[tuple, ImageSet] | None = None


def load(spec: str, cache: Path | None = None) -> ImageSet:
    """Load a dataset by name ('digits', 'mnist') or by path (IDX, .npz, folder).

    Headers are read first: a source that would not fit in memory is refused
    before anything is decoded.  The last dataset loaded stays in memory, keyed
    by its path, size and modification time: the GUI checks a file when it is
    picked and the run started a moment later reuses it instead of reading and
    hashing it again.
    """
    global _last
    key = _identity(spec, cache)
    if key is not None and _last is not None and _last[0] == key:
        return _last[1]
    info = peek(spec, cache)
    memory.require(info.load_bytes, f"loading {info.name} ({info.describe()})", "use fewer or smaller images")
    data = _load(spec, cache)
    for a in (data.x, data.y):
        a.flags.writeable = False  # shared between callers: nobody may change it
    if key is not None:
        _last = (key, data)
    return data


def _identity(spec: str, cache: Path | None) -> tuple | None:
    if spec == "digits":
        return ("digits",)
    try:
        from engine.data import mnist

        path = mnist.cache_dir(cache) / "train-images-idx3-ubyte.gz" if spec == "mnist" else Path(spec).expanduser()
        st = path.resolve().stat()
    except (OSError, RuntimeError):
        return None
    if path.is_dir():
        return None  # a folder's content can change without its own mtime changing
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _source(spec: str, cache: Path | None) -> tuple[str, Path | None]:
    """(kind, path) of a data spec: 'digits', 'idx', 'npz' or 'folder'."""
    if spec == "digits":
        return "digits", None
    if spec == "mnist":
        from engine.data import mnist

        return "idx", mnist.cached_file("train-images-idx3-ubyte.gz", cache)
    path = Path(spec).expanduser()
    if not path.exists():
        raise DataError(f"{spec}: no such file or folder (built-in sets: {', '.join(BUILTIN)})")
    if path.is_dir():
        return "folder", path
    name = path.name.lower()
    if name.endswith(".npz"):
        return "npz", path
    if "idx" in name or name.endswith((".ubyte", ".ubyte.gz", ".gz")):
        return "idx", path
    if name.endswith(IMAGE_SUFFIXES):
        raise DataError(f"{path.name}: a single image; open the folder that holds the images")
    raise DataError(f"{path.name}: unknown format; use MNIST IDX (.gz or not), .npz with x/y, "
                    f"or a folder of images")


def peek(spec: str, cache: Path | None = None) -> ImageInfo:
    """What ``spec`` holds, from headers only; a :class:`DataError` for a source that cannot be used."""
    kind, path = _source(spec, cache)
    if kind == "digits":
        return DIGITS
    return {"idx": peek_idx, "npz": peek_npz, "folder": peek_folder}[kind](path)


def _load(spec: str, cache: Path | None) -> ImageSet:
    kind, path = _source(spec, cache)
    if kind == "digits":
        return load_digits()
    return {"idx": load_idx_images, "npz": load_npz, "folder": load_folder}[kind](path)


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def split_indices(n: int, val_fraction: float, seed: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices of a seeded random split; at least one sample on each side."""
    if n < 2:
        raise DataError(f"{name}: {n} sample(s); at least 2 are needed to train and validate")
    n_val = min(max(1, int(round(n * val_fraction))), n - 1)
    perm = np.random.default_rng(seed).permutation(n)
    return perm[n_val:], perm[:n_val]


def split(data: ImageSet, val_fraction: float, seed: int) -> Split:
    """A seeded random train/validation split of the images."""
    t, v = (torch.from_numpy(i) for i in split_indices(len(data.x), val_fraction, seed, data.name))
    with warnings.catch_warnings():  # read-only views: index_select below only reads them
        warnings.filterwarnings("ignore", "The given NumPy array is not writable")
        x, y = torch.from_numpy(data.x), torch.from_numpy(data.y)
    # torch's gather releases the GIL; numpy's fancy indexing holds it for the whole copy
    return Split(*(a.index_select(0, i).numpy() for a, i in ((x, t), (y, t), (x, v), (y, v))))
