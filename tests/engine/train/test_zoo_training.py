"""Short seeded runs of every model of the zoo: each improves its own objective,
draws its pictures, can be sampled from, and fails clearly on bad input."""

import numpy as np
import pytest
import torch

from engine import events as ev
from engine.errors import UserError
from engine.jobs import execute
from engine.runs import RunStore
from engine.train.bigan import BiGANParams
from engine.train.dae import DAEParams
from engine.train.gan import GANParams
from engine.train.infomax import InfomaxParams
from engine.train.registry import EXPERIMENTS
from engine.train.sampling import sample_run
from engine.train.vqvae import VQVAEParams


def train(job, params, tmp_path):
    sink = ev.ListSink()
    out = execute(EXPERIMENTS[job], params, tmp_path, [sink])
    assert out.status == "completed", out.error
    val = [e.values for e in sink.of(ev.Metrics) if e.phase == "val"]
    pictures = {a.kind: a.payload for a in sink.of(ev.Artifact)}
    return out, val, pictures


def test_vqvae_improves_draws_codes_and_samples(tmp_path):
    out, val, pics = train("vqvae", VQVAEParams(epochs=4, restart_dead=True, window=20, device="cpu"), tmp_path)
    assert val[-1]["recon"] < 0.5 * val[0]["recon"]
    assert 1 <= val[-1]["perplexity"] <= 64 and val[-1]["restarted"] >= 0
    assert pics["image_grid"]["images"].shape == (16, 4, 4)  # 8-px digits → 4×4 code maps
    assert pics["image_grid"]["images"].max() <= 63
    assert pics["bars"]["counts"].shape == (64,) and pics["bars"]["counts"].sum() == 180 * 16
    assert pics["image_pairs"]["reconstructions"].shape == (16, 8, 8)
    draws = sample_run(out.run_dir, 5)
    assert draws.shape == (5, 8, 8) and 0 <= draws.min() and draws.max() <= 1


def test_vqvae_resume_restores_the_dead_code_window(tmp_path):
    p = VQVAEParams(epochs=2, restart_dead=True, window=7, device="cpu")
    out = execute(EXPERIMENTS["vqvae"], p, tmp_path)
    state = RunStore.open(out.run_dir).load_checkpoint("last")["task"]
    assert state["since"] == (2 * 26) % 7  # 1,617 training images in batches of 64: 26 steps an epoch


def test_cascading_rejection_gan_trains(tmp_path):
    p = GANParams(loss="standard", points=4000, epochs=12, cascading_rejection=True, heads=3, device="cpu")
    _, val, pics = train("gan", p, tmp_path)
    assert val[-1]["swd"] < 0.7 * val[0]["swd"]
    state = RunStore.open(next((tmp_path / "runs").iterdir())).load_checkpoint("last")["task"]
    assert state["modules"]["critic"]["net.5.weight"].shape == (3, 256)


def test_bigan_qp_learns_to_reconstruct(tmp_path):
    out, val, pics = train("bigan-qp", BiGANParams(points=4000, epochs=6, device="cpu"), tmp_path)
    assert val[-1]["recon_mse"] < 0.5 * val[0]["recon_mse"]
    assert list(pics["scatter"]["names"]) == ["real", "generated", "reconstructed"]
    assert sample_run(out.run_dir, 9).shape == (9, 2)


def test_bigan_qp_on_images_shows_reconstructions(tmp_path):
    _, _, pics = train("bigan-qp", BiGANParams(data="digits", epochs=1, device="cpu"), tmp_path)
    assert pics["image_pairs"]["originals"].shape == (16, 8, 8)
    assert pics["image_grid"]["images"].shape == (8, 8, 8, 8)


def test_dae_improves_beats_uniform_noise_and_shows_the_field(tmp_path):
    p = DAEParams(points=8000, epochs=25, langevin_steps=50, device="cpu")
    out, val, pics = train("dae", p, tmp_path)
    assert val[-1]["loss"] < val[0]["loss"]
    f = pics["field"]
    assert f["moves"].shape == (10, 21 * 21, 2) and f["frames"].shape[1:] == (500, 2)
    assert len(f["frames"]) == len(f["frame_level"]) == 2 + 10 * 4
    from engine.data import toy2d

    fresh, _ = toy2d.sample("gaussians8", 2000, 0.02, seed=99)
    torch.manual_seed(0)
    draws = sample_run(out.run_dir, 2000)
    uniform = np.random.default_rng(0).uniform(fresh.min(0), fresh.max(0), (2000, 2)).astype(np.float32)
    assert toy2d.sliced_wasserstein(fresh, draws) < 0.8 * toy2d.sliced_wasserstein(fresh, uniform)


def test_dae_on_images_draws_samples_and_denoised_pairs(tmp_path):
    _, _, pics = train("dae", DAEParams(data="digits", epochs=1, langevin_steps=5, device="cpu"), tmp_path)
    assert pics["image_grid"]["images"].shape == (8, 8, 8, 8)
    assert "σ" in pics["image_pairs"]["title"]


def test_infomax_improves_its_objective_and_finds_neighbours(tmp_path):
    _, val, pics = train("infomax", InfomaxParams(epochs=12, device="cpu"), tmp_path)
    assert val[-1]["loss"] < val[0]["loss"] - 0.5
    assert val[-1]["js_global"] > val[0]["js_global"]
    assert 0 <= val[-1]["knn_acc"] <= 1
    grid = pics["image_grid"]["images"]
    assert grid.shape == (8, 8, 8, 8)  # 8 queries, each with 7 neighbours
    assert pics["scatter"]["points"].shape == (180, 2)


@pytest.mark.parametrize("job, params", [
    ("vqvae", VQVAEParams(data="moons")),
    ("infomax", InfomaxParams(data="gaussians8")),
])
def test_points_for_a_conv_model_are_refused(tmp_path, job, params):
    with pytest.raises(UserError, match="need images"):  # before a run folder exists
        execute(EXPERIMENTS[job], params, tmp_path)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_images_too_small_for_the_conv_model_are_refused(tmp_path):
    np.savez(tmp_path / "tiny.npz", x=np.random.default_rng(0).random((20, 3, 3)))
    for job, params in [("vqvae", VQVAEParams(data=str(tmp_path / "tiny.npz"), downsample=2)),
                        ("infomax", InfomaxParams(data=str(tmp_path / "tiny.npz")))]:
        with pytest.raises(UserError, match="cannot be halved|too small"):  # before a run folder exists
            execute(EXPERIMENTS[job], params, tmp_path)


@pytest.mark.parametrize("job, params", [
    ("vqvae", VQVAEParams()), ("infomax", InfomaxParams()), ("bigan-qp", BiGANParams(data="digits")),
    ("dae", DAEParams(data="digits")),
])
def test_one_image_is_refused(tmp_path, job, params):
    np.savez(tmp_path / "one.npz", x=np.random.default_rng(0).random((1, 8, 8)))
    out = execute(EXPERIMENTS[job], type(params)(**{**params.__dict__, "data": str(tmp_path / "one.npz")}), tmp_path)
    assert out.status == "failed" and "at least 2" in out.error


def test_diverging_gan_fails_clearly_and_keeps_its_last_good_checkpoint(tmp_path, monkeypatch):
    """Adam's bounded steps keep these small nets finite even at lr = 1, so the divergence is
    injected: from the third epoch on the generator's loss is NaN, as a blown-up critic makes it."""
    from engine.models import gan_losses

    calls = {"n": 0}
    honest = gan_losses.generator_loss

    def diverging(*args, **kwargs):
        calls["n"] += 1
        loss = honest(*args, **kwargs)
        return loss * float("nan") if calls["n"] > 2 * 7 else loss  # 7 steps an epoch

    monkeypatch.setattr(gan_losses, "generator_loss", diverging)
    p = GANParams(points=2000, epochs=5, device="cpu")
    out = execute(EXPERIMENTS["gan"], p, tmp_path)
    assert out.status == "failed" and "became nan" in out.error and "last good checkpoint" in out.error
    store = RunStore.open(out.run_dir)
    state = store.load_checkpoint("last")
    assert state["epoch"] == 1  # written after the first epoch; the second ended well within 30 s of it
    assert all(torch.isfinite(v).all() for v in state["task"]["modules"]["generator"].values())


def test_infomax_has_no_generator_to_sample(tmp_path):
    out = execute(EXPERIMENTS["infomax"], InfomaxParams(epochs=1, device="cpu"), tmp_path)
    with pytest.raises(UserError, match="no generator"):
        sample_run(out.run_dir, 3)
