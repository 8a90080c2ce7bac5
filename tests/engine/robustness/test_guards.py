"""Checks made before work starts: data a training job cannot use is refused before its run folder
exists, a model too big for memory is refused from its shapes, samples too many for memory are
refused, NaN says truthfully whether a checkpoint exists, an offline download says so in one line,
and a contest index whose files are all missing names them."""

import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from engine import memory
from engine.data import DataError, mnist
from engine.errors import UserError
from engine.jobs import execute
from engine.spectra import formats
from tests.engine.robustness.helpers import one_line
from tests.engine.toy import TOY, ToyParams


@pytest.fixture
def limit_16_gb():
    memory.set_limit_gb(16)
    yield
    memory.set_limit_gb(None)


def _png_folder(folder: Path, n: int, side: int) -> Path:
    from PIL import Image

    folder.mkdir()
    for i in range(n):
        Image.fromarray(np.zeros((side, side), np.uint8)).save(folder / f"{i}.png")
    return folder


def _no_runs(workspace: Path) -> bool:
    runs = workspace / "runs"
    return not runs.exists() or not any(runs.iterdir())


BAD_DATA = {
    "missing path": lambda tmp: str(tmp / "nothing-here"),
    "random bytes as npz": lambda tmp: (tmp / "r.npz").write_bytes(b"\x93NUMPY junk" * 9) and str(tmp / "r.npz"),
    "empty folder": lambda tmp: (tmp / "empty").mkdir() or str(tmp / "empty"),
    "a single image": lambda tmp: str(_png_folder(tmp / "one", 1, 8) / "0.png"),
    "mnist not downloaded": lambda tmp: "mnist",
}


@pytest.mark.parametrize("case", list(BAD_DATA))
@pytest.mark.parametrize("name", ["vae", "gan", "bigan-qp", "dae", "vqvae", "infomax"])
def test_rejected_data_leaves_no_run_folder(tmp_path, monkeypatch, name, case):
    from engine.train.registry import JOBS

    monkeypatch.setattr(mnist, "cache_dir", lambda cache=None: tmp_path / "no-cache")
    job = JOBS[name]
    data = BAD_DATA[case](tmp_path)
    with pytest.raises(UserError) as info:
        execute(job, job.params(data=data, epochs=1), tmp_path / "ws")
    one_line(info.value)
    assert _no_runs(tmp_path / "ws")


def test_toy_points_for_an_image_model_leave_no_run_folder(tmp_path):
    from engine.train.registry import JOBS

    job = JOBS["vqvae"]
    with pytest.raises(DataError, match="need images"):
        execute(job, job.params(data="moons", epochs=1), tmp_path)
    assert _no_runs(tmp_path)


@pytest.mark.slow
def test_the_vae_on_three_huge_images_is_refused_before_anything_is_built(tmp_path, limit_16_gb):
    """The MLP VAE on three 3000×3000 images: 9 M inputs, 17 GB of weights before gradients."""
    from engine.train.registry import JOBS

    folder = _png_folder(tmp_path / "huge", 3, 3000)
    job = JOBS["vae"]
    with pytest.raises(memory.MemoryLimitError) as info:
        execute(job, job.params(data=str(folder), epochs=1), tmp_path / "ws")
    msg = one_line(info.value)
    assert "17.2 GB of weights" in msg and "3 images of 3000×3000" in msg and memory.ENV in msg
    assert _no_runs(tmp_path / "ws")
    # the weights alone, counted by hand: encoder 9e6·256 + 256, two heads 2·(256·2 + 2),
    # decoder 2·256 + 256 and 256·9e6 + 9e6, all float32
    d = 3000 * 3000
    weights = 4 * (d * 256 + 256 + 2 * (256 * 2 + 2) + 2 * 256 + 256 + 256 * d + d)
    from engine.train.vae import VAETask

    assert memory.model_bytes(lambda dev: VAETask(job.params(), (1, 3000, 3000), dev, False)) == weights


def test_a_model_that_fits_passes_the_precheck(tmp_path, limit_16_gb):
    from engine.train.registry import JOBS

    for name in ("vae", "gan", "dae", "bigan-qp", "vqvae", "infomax"):
        job = JOBS[name]
        job.precheck(job.params(data="digits"))


@pytest.mark.parametrize("nan_at, expected", [(1, "No checkpoint was saved yet."),
                                              (8, "The last good checkpoint is kept.")])
def test_nan_says_whether_a_checkpoint_exists(tmp_path, nan_at, expected):
    out = execute(TOY, ToyParams(epochs=3, nan_at_step=nan_at), tmp_path)  # 6 steps an epoch
    assert out.status == "failed" and out.error.endswith(expected)
    assert (out.run_dir / "checkpoints" / "last.pt").exists() == (nan_at == 8)


def test_absurd_sample_counts_are_refused_before_allocating(tmp_path, limit_16_gb):
    from engine.runs import RunStore
    from engine.train.sampling import sample_run

    store = RunStore.create(tmp_path, "gan", {"params": {}, "data": {"shape": [1, 8, 8]}})
    with pytest.raises(memory.MemoryLimitError) as info:
        sample_run(store.path, 100_000_000)
    assert "100,000,000 samples of shape (1, 8, 8)" in one_line(info.value)
    with pytest.raises(UserError, match="no checkpoint yet"):  # a sane count gets past the estimate
        sample_run(store.path, 1000)


def test_offline_download_is_one_short_line(tmp_path):
    with pytest.raises(DataError) as info:
        mnist.download(tmp_path, mirrors=["http://mirror-one.invalid/mnist/", "http://mirror-two.invalid/"],
                       timeout=5)
    assert one_line(info.value) == ("cannot reach the MNIST mirrors (mirror-one.invalid, mirror-two.invalid): "
                                    "no network?")
    assert [p.name for p in tmp_path.iterdir()] == []


def test_a_mirror_that_answers_404_says_so(tmp_path):
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the handler's protocol
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(DataError) as info:
            mnist.download(tmp_path, mirrors=[f"http://127.0.0.1:{server.server_port}/"], timeout=5)
    finally:
        server.shutdown()
    assert one_line(info.value).endswith(f"127.0.0.1:{server.server_port}: HTTP 404")


def _index(tmp_path, ids):
    index = tmp_path / "train_index.csv"
    index.write_text("id,type\n" + "".join(f"{i},star\n" for i in ids))
    return index


def test_a_contest_index_whose_files_are_all_missing_names_them(tmp_path):
    index = _index(tmp_path, [101, 102, 103, 104, 105])
    for call in (lambda: formats.load_any(index), lambda: formats.read_contest_index(index),
                 lambda: formats.check_source(index)):
        with pytest.raises(formats.SpectrumError) as info:
            call()
        assert one_line(info.value) == (f"train_index.csv: none of the 5 spectra it lists is in {tmp_path} "
                                        f"(missing: 101.txt, 102.txt, 103.txt and 2 more)")


def test_a_contest_index_with_some_files_present_reads_them(tmp_path):
    index = _index(tmp_path, [1, 2])
    (tmp_path / "1.txt").write_text(",".join(["1.0"] * formats.CONTEST_GRID[2]))
    report = formats.load_any(index)
    assert len(report.spectra) == 1 and report.skipped == [("2.txt", "named in the index but missing")]


def test_the_spectral_classifier_checks_its_data_before_its_run_folder(tmp_path):
    from engine.spectra.training import JOB, SpectraParams

    index = _index(tmp_path, [1, 2, 3])
    for data in (str(index), str(tmp_path / "nothing"), str(tmp_path / "empty")):
        (tmp_path / "empty").mkdir(exist_ok=True)
        with pytest.raises(formats.SpectrumError):
            execute(JOB, SpectraParams(data=data), tmp_path / "ws")
    assert _no_runs(tmp_path / "ws")
