import gzip
import hashlib

import numpy as np
import pytest

from engine.data import DataError, images, mnist
from engine.data.idx import read_idx, write_idx
from engine.tasks import TaskContext


@pytest.fixture
def mnist_like(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, 20).astype(np.uint8)
    return tmp_path, x, y


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip_with_sibling_labels(mnist_like, suffix):
    folder, x, y = mnist_like
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", x)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", y)
    data = images.load(str(folder / f"train-images-idx3-ubyte{suffix}"))
    assert data.x.shape == (20, 1, 28, 28)
    np.testing.assert_allclose(data.x[:, 0], x / 255.0, atol=1e-7)
    np.testing.assert_array_equal(data.y, y)


def test_idx_header_is_parsed_by_hand_spec(tmp_path):
    raw = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(6))
    (tmp_path / "a.idx").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), [[0, 1, 2], [3, 4, 5]])


def test_truncated_idx_is_refused(mnist_like):
    folder, x, _ = mnist_like
    path = folder / "train-images-idx3-ubyte"
    write_idx(path, x)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="truncated"):
        images.load(str(path))


def test_truncated_gzip_is_refused(mnist_like):
    folder, x, _ = mnist_like
    path = folder / "train-images-idx3-ubyte.gz"
    write_idx(path, x)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="cannot read|truncated"):
        images.load(str(path))


def test_non_idx_file_is_refused(tmp_path):
    path = tmp_path / "notes-idx3-ubyte"
    path.write_text("hello, this is not an IDX file")
    with pytest.raises(DataError, match="not an IDX file"):
        images.load(str(path))


def test_npz_round_trip_scales_to_unit_range(tmp_path):
    x = np.arange(2 * 4 * 4, dtype=np.float64).reshape(2, 4, 4)
    np.savez(tmp_path / "d.npz", x=x, y=np.array([3, 5]))
    data = images.load(str(tmp_path / "d.npz"))
    assert data.x.min() == 0.0 and data.x.max() == 1.0
    np.testing.assert_array_equal(data.y, [3, 5])


def test_npz_without_x_names_what_it_found(tmp_path):
    np.savez(tmp_path / "d.npz", pictures=np.zeros((2, 4, 4)))
    with pytest.raises(DataError, match="expected 'x'.*pictures"):
        images.load(str(tmp_path / "d.npz"))


def test_npz_of_mixed_sizes_is_refused(tmp_path):
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = np.zeros((4, 4)), np.zeros((5, 5))
    np.savez(tmp_path / "d.npz", x=ragged)
    with pytest.raises(DataError, match="mixed sizes"):
        images.load(str(tmp_path / "d.npz"))


def test_folder_of_mixed_sizes_is_refused(tmp_path):
    from PIL import Image

    (tmp_path / "cats").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "cats" / "a.png")
    Image.fromarray(np.zeros((9, 8), np.uint8)).save(tmp_path / "cats" / "b.png")
    with pytest.raises(DataError, match="mixed sizes"):
        images.load(str(tmp_path))


def test_folder_labels_come_from_subfolders(tmp_path):
    from PIL import Image

    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(2):
            Image.fromarray(np.full((6, 6), 200 if label == "b" else 10, np.uint8)).save(tmp_path / label / f"{i}.png")
    data = images.load(str(tmp_path))
    assert data.x.shape == (4, 1, 6, 6)
    np.testing.assert_array_equal(data.y, [0, 0, 1, 1])


def test_nan_images_are_refused(tmp_path):
    x = np.zeros((2, 4, 4))
    x[0, 0, 0] = np.nan
    np.savez(tmp_path / "d.npz", x=x)
    with pytest.raises(DataError, match="NaN"):
        images.load(str(tmp_path / "d.npz"))


def test_digits_and_split():
    data = images.load("digits")
    assert data.x.shape == (1797, 1, 8, 8) and 0 <= data.x.min() and data.x.max() == 1.0
    parts = images.split(data, 0.1, seed=3)
    assert len(parts.x_val) == 180 and len(parts.x_train) == 1617
    again = images.split(data, 0.1, seed=3)
    np.testing.assert_array_equal(parts.y_val, again.y_val)


def test_missing_path_names_the_builtins():
    with pytest.raises(DataError, match="digits, mnist"):
        images.load("/no/such/file.npz")


def _served_mnist(tmp_path):
    """Write tiny MNIST-named files into a folder served as file:// URLs."""
    server = tmp_path / "server"
    server.mkdir()
    rng = np.random.default_rng(0)
    write_idx(server / "train-images-idx3-ubyte.gz", rng.integers(0, 255, (12, 28, 28), dtype=np.uint8))
    write_idx(server / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, 12).astype(np.uint8))
    sums = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in server.iterdir()}
    return server, sums


def test_download_fetches_verifies_and_loads(tmp_path):
    server, sums = _served_mnist(tmp_path)
    seen = []
    ctx = TaskContext(on_progress=lambda done, total, text: seen.append(text.split(":")[0]), interval=0)
    folder = mnist.download(tmp_path / "cache", mirrors=["file:///nonexistent/", server.as_uri() + "/"],
                            files=sums, ctx=ctx)
    assert sorted(p.name for p in folder.iterdir()) == sorted(sums)
    assert set(seen) == set(sums)
    data = images.load("mnist", cache=folder)
    assert data.x.shape == (12, 1, 28, 28) and data.labelled


def test_cancelled_download_leaves_no_partial_file(tmp_path):
    from engine.control import Cancelled, RunControl

    server, sums = _served_mnist(tmp_path)
    control = RunControl()
    control.cancel()
    with pytest.raises(Cancelled):
        mnist.download(tmp_path / "cache", mirrors=[server.as_uri() + "/"], files=sums, ctx=TaskContext(control))
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []


def test_download_refuses_corrupt_files_and_leaves_nothing(tmp_path):
    server, sums = _served_mnist(tmp_path)
    wrong = {k: "0" * 32 for k in sums}
    with pytest.raises(DataError, match="MD5"):
        mnist.download(tmp_path / "cache", mirrors=[server.as_uri() + "/"], files=wrong)
    assert list((tmp_path / "cache").iterdir()) == []


def test_mnist_not_downloaded_says_how(tmp_path):
    with pytest.raises(DataError, match="download-mnist"):
        images.load("mnist", cache=tmp_path)


def test_gzip_detection_by_magic_not_name(tmp_path):
    x = np.zeros((2, 3, 3), np.uint8)
    write_idx(tmp_path / "plain-idx3-ubyte", x, compress=True)
    assert gzip.decompress((tmp_path / "plain-idx3-ubyte").read_bytes())[:3] == b"\x00\x00\x08"
    assert images.load(str(tmp_path / "plain-idx3-ubyte")).x.shape == (2, 1, 3, 3)


def test_last_dataset_is_reused_until_the_file_changes(tmp_path):
    import os

    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((3, 4, 4)), y=np.arange(3))
    first = images.load(str(path))
    assert images.load(str(path)) is first
    with pytest.raises(ValueError):
        first.x[0, 0, 0, 0] = 1.0  # shared, so read-only
    np.savez(path, x=np.ones((5, 4, 4)), y=np.arange(5))
    os.utime(path, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    again = images.load(str(path))
    assert again is not first and len(again.x) == 5
