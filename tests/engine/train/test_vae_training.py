import pytest
import torch

from engine import events as ev
from engine.jobs import execute
from engine.runs import RunStore
from engine.train.registry import EXPERIMENTS
from engine.train.vae import VAEParams


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_validation_elbo_improves_over_first_epoch(tmp_path, arch):
    sink = ev.ListSink()
    out = execute(EXPERIMENTS["vae"], VAEParams(arch=arch, epochs=6, device="cpu", optimizer="adam"),
                  tmp_path, [sink])
    assert out.status == "completed"
    val = [e.values for e in sink.of(ev.Metrics) if e.phase == "val"]
    assert len(val) == 6
    elbo = [-(v["recon"] + v["kl"]) for v in val]
    assert elbo[-1] > elbo[0] + 1.0  # nats per image
    assert all(v["loss"] == pytest.approx(v["recon"] + v["kl"], rel=1e-5) for v in val)


def test_artifacts_have_the_blog_pictures(tmp_path):
    sink = ev.ListSink()
    execute(EXPERIMENTS["vae"], VAEParams(epochs=1, device="cpu"), tmp_path, [sink])
    arts = {(a.kind, a.name): a.payload for a in sink.of(ev.Artifact)}
    pairs = arts[("image_pairs", "reconstructions")]
    assert pairs["originals"].shape == pairs["reconstructions"].shape == (16, 8, 8)
    assert 0 <= pairs["reconstructions"].min() and pairs["reconstructions"].max() <= 1
    scatter = arts[("scatter", "latent")]
    assert scatter["points"].shape == (180, 2) and scatter["labels"].shape == (180,)
    grid = arts[("image_grid", "manifold")]
    assert grid["images"].shape == (15, 15, 8, 8)
    assert grid["quantiles"][0] == pytest.approx(-1.6448536, abs=1e-5)  # Φ⁻¹(0.05)
    assert grid["quantiles"][7] == pytest.approx(0.0, abs=1e-6)


def test_scatter_is_capped_on_large_validation_sets(tmp_path, monkeypatch):
    import engine.train.vae as vae_job

    monkeypatch.setattr(vae_job, "MAX_SCATTER", 100)  # digits' 180 validation images exceed it
    sink = ev.ListSink()
    execute(EXPERIMENTS["vae"], VAEParams(epochs=1, device="cpu"), tmp_path, [sink])
    [scatter] = [a.payload for a in sink.of(ev.Artifact) if a.kind == "scatter"]
    assert scatter["points"].shape == (100, 2) and scatter["labels"].shape == (100,)


def test_higher_latent_scatter_uses_principal_axes(tmp_path):
    sink = ev.ListSink()
    execute(EXPERIMENTS["vae"], VAEParams(epochs=1, latent=5, device="cpu"), tmp_path, [sink])
    arts = {(a.kind, a.name): a.payload for a in sink.of(ev.Artifact)}
    assert ("image_grid", "manifold") not in arts
    assert arts[("scatter", "latent")]["points"].shape == (180, 2)
    assert "PC 1" in str(arts[("scatter", "latent")]["axes"][0])


def test_bad_data_is_refused_in_one_line_before_a_run_folder_exists(tmp_path):
    from engine.errors import UserError

    bad = tmp_path / "x.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UserError) as info:
        execute(EXPERIMENTS["vae"], VAEParams(data=str(bad)), tmp_path)
    assert str(info.value).startswith("x.npz:") and "\n" not in str(info.value)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_same_seed_same_run(tmp_path):
    a = execute(EXPERIMENTS["vae"], VAEParams(epochs=1, seed=4), tmp_path / "a")
    b = execute(EXPERIMENTS["vae"], VAEParams(epochs=1, seed=4), tmp_path / "b")
    wa = RunStore(a.run_dir).load_checkpoint("last")["task"]["modules"]["vae"]
    wb = RunStore(b.run_dir).load_checkpoint("last")["task"]["modules"]["vae"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
