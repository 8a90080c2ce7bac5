"""Features of a trained run as the Clusters bench's vectors (issue 14): the items, labels
and features must be what the run's own model computes on its data, recomputed here from
the checkpoint through the model classes directly."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from engine.errors import UserError
from engine.graph import GraphInputError
from engine.graph.readers import load
from engine.graph.tasks import ClusterParams, run_cluster
from engine.jobs import execute
from engine.models import vae as vae_model
from engine.models.infomax import DeepInfoMax
from engine.runs import RunStore
from engine.spectra import training as spectra
from engine.tasks import TaskContext
from engine.train.infomax import JOB as INFOMAX
from engine.train.infomax import InfomaxParams
from engine.train.registry import EXPERIMENTS
from engine.train.vae import VAEParams
from tests.engine.toy import TOY, ToyParams


def _weights(run_dir, module: str) -> dict:
    store = RunStore.open(run_dir)
    assert store.has_checkpoint("best")
    return store.load_checkpoint("best")["task"]["modules"][module]


def test_a_vae_runs_features_are_its_encoder_mean_on_every_digit(tmp_path):
    out = execute(EXPERIMENTS["vae"], VAEParams(epochs=1, latent=3, device="cpu"), tmp_path)
    v = load(out.run_dir)
    digits = load_digits()
    assert len(v) == 1797 and v.matrix.shape == (1797, 3)
    np.testing.assert_array_equal(v.labels, digits.target)
    assert "VAE μ" in v.source and v.images.shape == (1797, 8, 8)
    model = vae_model.build("mlp", (1, 8, 8), 3)
    model.load_state_dict(_weights(out.run_dir, "vae"))
    model.eval()
    x = torch.from_numpy((digits.images / 16.0).astype(np.float32))[:, None]
    with torch.no_grad():
        mu = model.encode(x)[0].numpy()
    np.testing.assert_allclose(v.matrix, mu, atol=1e-5)


def test_deep_infomax_features_and_clustering_them(tmp_path):
    p = InfomaxParams(epochs=1, z_dim=16, width=8, batch_size=128, device="cpu")
    out = execute(INFOMAX, p, tmp_path)
    v = load(out.run_dir)
    model = DeepInfoMax((1, 8, 8), 16, 8)
    model.load_state_dict(_weights(out.run_dir, "infomax"))
    model.eval()
    x = torch.from_numpy((load_digits().images / 16.0).astype(np.float32))[:, None]
    with torch.no_grad():
        np.testing.assert_allclose(v.matrix, model.encoder(x - 0.5)[2].numpy(), atol=1e-5)
    result = run_cluster(ClusterParams(input=str(out.run_dir), k=10, min_sim=0.0), TaskContext())
    assert result.graph.n == 1797 and result.nmi is not None and 0 <= result.nmi <= 1


def test_the_spectra_nets_penultimate_layer_gives_its_predictions(tmp_path):
    p = spectra.SpectraParams(demo_size=120, width=4, batch_size=32, class_shares="", ce_epochs=1, f1_epochs=0,
                              device="cpu")
    out = execute(spectra.JOB, p, tmp_path)
    v = load(out.run_dir)
    data, _ = spectra.load_labelled(p)
    assert v.names == data.ids and v.matrix.shape == (len(data.ids), 128) and (v.matrix >= 0).all()
    np.testing.assert_array_equal(v.labels, [data.classes[i] for i in data.y])
    task, _ = spectra.trained(*(lambda s: (s, s.config()))(RunStore.open(out.run_dir)))
    with torch.no_grad():  # the class logits are read from these features by the last layer
        from_features = task.model.head[2](torch.from_numpy(v.matrix)).argmax(1).numpy()
        direct = task.probabilities(torch.from_numpy(data.x)).argmax(1).numpy()
    np.testing.assert_array_equal(from_features, direct)


def test_runs_without_features_and_folders_that_are_not_runs_say_so(tmp_path):
    out = execute(TOY, ToyParams(epochs=1), tmp_path)
    with pytest.raises(UserError, match="no features to cluster.*vae"):
        load(out.run_dir)
    with pytest.raises(GraphInputError, match="not a run of the workbench"):
        load(tmp_path)


def test_a_run_whose_data_is_gone_is_one_line(tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    from PIL import Image

    for i in range(6):
        Image.fromarray((np.random.default_rng(i).random((8, 8)) * 255).astype(np.uint8)).save(folder / f"{i}.png")
    out = execute(EXPERIMENTS["vae"], VAEParams(data=str(folder), epochs=1, batch_size=2, device="cpu"), tmp_path)
    assert load(out.run_dir).matrix.shape == (6, 2)
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    with pytest.raises(UserError, match="pictures"):
        load(out.run_dir)
