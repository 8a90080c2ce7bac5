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
