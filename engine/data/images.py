"""Image datasets for the generative models: one in-memory container and the
readers that fill it (scikit-learn digits, MNIST IDX, .npz, a folder of images).

Images are float32 in [0, 1], shaped (N, H, W) for grey or (N, C, H, W); labels
are int64 with -1 meaning "unlabelled".  Every reader records a fingerprint
(where the data came from and a hash of its content) so a run can say exactly
what it was trained on.
"""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.data import DataError
from engine.data import idx

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


def _finish(x: np.ndarray, y: np.ndarray | None, name: str, source: str) -> ImageSet:
    x = np.asarray(x)
    if x.dtype == object:
        raise DataError(f"{name}: images have mixed sizes; resize them to one size first")
    if x.ndim == 2:  # flat vectors: square images when possible
        side = int(round(np.sqrt(x.shape[1])))
        if side * side != x.shape[1]:
            raise DataError(f"{name}: rows of {x.shape[1]} values are not square images")
        x = x.reshape(len(x), side, side)
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in (1, 3, 4) and x.shape[1] not in (1, 3, 4):
        x = np.transpose(x, (0, 3, 1, 2))
    if x.ndim != 4 or len(x) == 0:
        raise DataError(f"{name}: expected a stack of images, got an array of shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number):
        raise DataError(f"{name}: image values are {x.dtype}, not numbers")
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


def load_npz(path: Path) -> ImageSet:
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)
            xkey = next((k for k in ("x", "images", "x_train") if k in keys), None)
            if xkey is None:
                raise DataError(f"{path.name}: no image array; expected 'x' (and optional 'y'), "
                                f"found {', '.join(sorted(keys)) or 'nothing'}")
            x = z[xkey]
            ykey = {"x": "y", "images": "labels", "x_train": "y_train"}[xkey]
            y = z[ykey] if ykey in keys else None
    except DataError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise DataError(f"{path.name}: images have mixed sizes (stored as objects); "
                            f"resize them to one size first") from exc
        raise DataError(f"{path.name}: not a readable .npz ({exc})") from exc
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path.name}: not a readable .npz ({exc})") from exc
    return _finish(x, y, path.name, str(path))


def load_folder(path: Path) -> ImageSet:
    """A folder of images; a sub-folder's name is its images' label."""
    from PIL import Image, UnidentifiedImageError

    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{path.name}: no images ({', '.join(IMAGE_SUFFIXES)}) in this folder")
    arrays, labels, sizes = [], [], {}
    for f in files:
        try:
            with Image.open(f) as im:
                a = np.asarray(im.convert("L"))
        except (UnidentifiedImageError, OSError) as exc:
            raise DataError(f"{f.name}: not a readable image ({exc})") from exc
        sizes.setdefault(a.shape, []).append(f.name)
        arrays.append(a)
        labels.append(f.parent.name if f.parent != path else "")
    if len(sizes) > 1:
        desc = "; ".join(f"{h}×{w}: {len(v)} (e.g. {v[0]})" for (h, w), v in sizes.items())
        raise DataError(f"{path.name}: images have mixed sizes — {desc}; resize them to one size first")
    y = np.unique(labels, return_inverse=True)[1] if any(labels) else None
    return _finish(np.stack(arrays), y, path.name, str(path))


_last: tuple[tuple, ImageSet] | None = None


def load(spec: str, cache: Path | None = None) -> ImageSet:
    """Load a dataset by name ('digits', 'mnist') or by path (IDX, .npz, folder).

    The last dataset loaded stays in memory, keyed by its path, size and
    modification time: the GUI checks a file when it is picked and the run
    started a moment later reuses it instead of reading and hashing it again.
    """
    global _last
    key = _identity(spec, cache)
    if key is not None and _last is not None and _last[0] == key:
        return _last[1]
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


def _load(spec: str, cache: Path | None) -> ImageSet:
    if spec == "digits":
        return load_digits()
    if spec == "mnist":
        from engine.data import mnist

        return load_idx_images(mnist.cached_file("train-images-idx3-ubyte.gz", cache))
    path = Path(spec).expanduser()
    if not path.exists():
        raise DataError(f"{spec}: no such file or folder (built-in sets: {', '.join(BUILTIN)})")
    if path.is_dir():
        return load_folder(path)
    name = path.name.lower()
    if name.endswith(".npz"):
        return load_npz(path)
    if "idx" in name or name.endswith((".ubyte", ".ubyte.gz", ".gz")):
        return load_idx_images(path)
    if name.endswith(IMAGE_SUFFIXES):
        raise DataError(f"{path.name}: a single image; open the folder that holds the images")
    raise DataError(f"{path.name}: unknown format; use MNIST IDX (.gz or not), .npz with x/y, "
                    f"or a folder of images")


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
