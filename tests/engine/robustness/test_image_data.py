"""Image sources on bad input: random bytes and truncations at every offset of small valid .npz and
IDX files (plain and gzip), complex values, IDX headers whose sizes overflow, unreadable images, and
sources too big for the memory limit, refused from their headers before anything is decoded."""

import gzip
import io
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import memory
from engine.data import DataError, images
from engine.data.idx import read_idx, write_idx
from tests.engine.robustness.helpers import one_line


def load_or_refuse(path):
    """The images, or the one-line DataError naming the file: nothing else may come out."""
    images._last = None  # the one-set cache must not hide a changed file of the same size and time
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a raw numpy warning is a failure too
            return images.load(str(path))
    except DataError as exc:
        assert path.name in one_line(exc)
        return exc


def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _idx(x, compress=False):
    raw = bytes([0, 0, 0x08, x.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in x.shape) + x.tobytes()
    return gzip.compress(raw, mtime=0) if compress else raw


SMALL = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
VALID = {"d.npz": _npz(x=SMALL, y=np.array([0, 1])), "d-idx3-ubyte": _idx(SMALL),
         "d-idx3-ubyte.gz": _idx(SMALL, compress=True)}


@pytest.mark.parametrize("name", list(VALID))
def test_truncation_at_every_offset_loads_or_says_why(tmp_path, name):
    raw = VALID[name]
    path = tmp_path / name
    for cut in range(len(raw)):
        path.write_bytes(raw[:cut])
        got = load_or_refuse(path)
        assert isinstance(got, DataError), f"{name} cut at {cut} of {len(raw)} loaded"
    path.write_bytes(raw)
    assert load_or_refuse(path).x.shape == (2, 1, 3, 3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=600), name=st.sampled_from(["r.npz", "r-idx3-ubyte", "r.gz"]))
def test_random_bytes_are_refused_in_one_line(tmp_path, raw, name):
    path = tmp_path / name
    path.write_bytes(raw)
    got = load_or_refuse(path)
    assert isinstance(got, DataError) or got.x.ndim == 4


def test_random_bytes_named_npz_are_not_called_mixed_sizes(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4000))
    got = load_or_refuse(path)
    assert "not a readable .npz archive" in str(got) and "mixed sizes" not in str(got)


def test_complex_images_are_one_line_without_a_warning(tmp_path):
    path = tmp_path / "c.npz"
    path.write_bytes(_npz(x=np.ones((3, 4, 4), np.complex64)))
    assert "complex" in str(load_or_refuse(path))


@pytest.mark.parametrize("dims", [(2**31, 2**31, 4), (0xFFFFFFFF,) * 3, (2**32 - 1, 2**32 - 1, 2**32 - 1, 3)])
@pytest.mark.parametrize("compress", [False, True])
def test_an_idx_header_whose_sizes_overflow_names_the_file(tmp_path, dims, compress):
    raw = bytes([0, 0, 0x08, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims) + b"\x00" * 16
    path = tmp_path / ("big-idx3-ubyte" + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(raw) if compress else raw)
    got = load_or_refuse(path)
    assert isinstance(got, DataError) and ("truncated or padded" in str(got) or "does not match" in str(got))
    with pytest.raises(DataError, match=path.name):
        read_idx(path)


def test_an_image_that_is_not_one_is_named(tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "b.png").write_bytes(b"not a png at all")
    got = load_or_refuse(tmp_path)
    assert "b.png: not a readable image" in str(got)


def test_a_folder_too_big_for_the_limit_is_refused_from_its_headers(tmp_path, monkeypatch):
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.zeros((300, 300), np.uint8)).save(tmp_path / f"{i}.png")
    decoded = []
    monkeypatch.setattr(images, "load_folder", lambda path: decoded.append(path))
    memory.set_limit_gb(1e-3)  # 1 MiB: three 300×300 images need about 2 MiB to load
    try:
        with pytest.raises(memory.MemoryLimitError) as info:
            images.load(str(tmp_path))
    finally:
        memory.set_limit_gb(None)
    assert decoded == [] and "3 images of 300×300" in one_line(info.value) and memory.ENV in str(info.value)


def test_peek_reads_sizes_without_decoding(tmp_path):
    path = tmp_path / "d.npz"
    path.write_bytes(_npz(x=np.zeros((5, 6, 7, 3), np.uint8)))  # channels last
    info = images.peek(str(path))
    assert (info.n, info.shape, info.itemsize) == (5, (3, 6, 7), 1)
    assert images.load(str(path)).x.shape == (5, 3, 6, 7)
    write_idx(tmp_path / "t-idx3-ubyte.gz", np.zeros((4, 2, 5), np.uint8))
    assert images.peek(str(tmp_path / "t-idx3-ubyte.gz")).shape == (1, 2, 5)


def test_the_limit_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv(memory.ENV, "2.5")
    assert memory.limit_bytes() == int(2.5 * 2**30)
    for bad in ("abc", "-1", "nan", "inf", "0"):
        monkeypatch.setenv(memory.ENV, bad)
        with pytest.raises(memory.UserError, match=memory.ENV):
            memory.limit_bytes()
