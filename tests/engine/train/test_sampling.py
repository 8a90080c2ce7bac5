import numpy as np
import pytest

from engine.errors import UserError
from engine.jobs import execute
from engine.train.gan import GANParams
from engine.train.registry import EXPERIMENTS
from engine.train.sampling import sample_run
from engine.train.vae import VAEParams
from tests.engine.toy import TOY, ToyParams


def test_vae_samples_have_the_data_shape_and_follow_the_seed(tmp_path):
    out = execute(EXPERIMENTS["vae"], VAEParams(epochs=2, device="cpu"), tmp_path)
    a = sample_run(out.run_dir, 10, seed=1)
    assert a.shape == (10, 8, 8) and a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, sample_run(out.run_dir, 10, seed=1))
    assert not np.array_equal(a, sample_run(out.run_dir, 10, seed=2))


def test_gan_samples_are_points_near_the_data(tmp_path):
    out = execute(EXPERIMENTS["gan"], GANParams(points=4000, epochs=12, device="cpu"), tmp_path)
    pts = sample_run(out.run_dir, 500)
    assert pts.shape == (500, 2)
    import torch

    from engine.data import toy2d
    from engine.train.gan import restore

    fresh, _ = toy2d.sample("gaussians8", 500, 0.02, seed=99)
    torch.manual_seed(0)
    untrained = restore(GANParams(), (2,)).sample(500)
    trained_gap = toy2d.sliced_wasserstein(pts, fresh)
    assert trained_gap < 0.5 * toy2d.sliced_wasserstein(untrained, fresh)


def test_runs_without_a_generator_say_so(tmp_path):
    out = execute(TOY, ToyParams(epochs=1), tmp_path)
    with pytest.raises(UserError, match="no generator"):
        sample_run(out.run_dir, 5)
    with pytest.raises(UserError, match="not a readable run folder"):
        sample_run(tmp_path / "nothing-here", 5)
    with pytest.raises(UserError, match="at least one"):
        sample_run(out.run_dir, 0)


def test_samples_are_written_by_suffix(tmp_path):
    from PIL import Image

    from engine.train.sampling import write_samples

    tiles = np.zeros((5, 2, 3), np.float32)
    tiles[4] = 1.0  # the last tile white
    assert "5 samples" in write_samples(tiles, tmp_path / "g.png")
    grid = np.asarray(Image.open(tmp_path / "g.png"))
    assert grid.shape == (2 * 3 - 1, 3 * 4 - 1)  # 3 columns (⌈√5⌉), 2 rows, 1-pixel gaps
    assert grid[3:5, 4:7].min() == 255 and grid[:2, :3].max() == 0  # row 1, column 1 is tile 4
    points = np.array([[0.5, -1.0], [2.0, 3.0]])
    write_samples(points, tmp_path / "p.csv")
    assert (tmp_path / "p.csv").read_text().splitlines() == ["x1,x2", "5.000000000000000000e-01,-1.000000000000000000e+00",
                                                             "2.000000000000000000e+00,3.000000000000000000e+00"]
    write_samples(["春眠不觉晓，处处闻啼鸟"], tmp_path / "verse")
    assert (tmp_path / "verse.txt").read_text(encoding="utf-8") == "春眠不觉晓，处处闻啼鸟\n"
    with pytest.raises(UserError, match="npy or .csv"):
        write_samples(points, tmp_path / "p.png")
