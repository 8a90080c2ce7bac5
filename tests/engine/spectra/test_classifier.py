"""The Conv1D classifier: V22 (the macro-F1 surrogate is scikit-learn's macro-F1 on
one-hot predictions), the post's class-balanced batches, the network's shape
arithmetic, a short run that improves, prediction to CSV, and the demo set."""

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from engine import events as ev
from engine.jobs import execute
from engine.models.spectra_net import SpectraNet, f1_loss, soft_macro_f1
from engine.spectra import synthetic
from engine.spectra import training as spectra


@pytest.mark.parametrize("seed", range(6))
def test_v22_surrogate_equals_sklearn_macro_f1_on_one_hot(seed):
    rng = np.random.default_rng(seed)
    k, n = 4, 50
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    if seed == 5:
        y[y == 3] = 0  # a class absent from the truth
        pred[pred == 3] = 1
    onehot = lambda a: torch.nn.functional.one_hot(torch.from_numpy(a), k).double()  # noqa: E731
    ours = float(soft_macro_f1(onehot(pred), onehot(y)))
    theirs = f1_score(y, pred, average="macro", labels=range(k), zero_division=0)
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_f1_loss_is_minus_log_and_differentiable():
    logits = torch.tensor([[5.0, 0, 0], [0, 5.0, 0], [0, 0, 5.0]], requires_grad=True)
    y = torch.tensor([0, 1, 2])
    loss = f1_loss(logits, y)
    loss.backward()
    assert 0 < float(loss.detach()) < 0.05 and logits.grad is not None and logits.grad.abs().sum() > 0


def test_seven_poolings_take_2600_points_to_20():
    net = SpectraNet(4)
    length = 2600
    for _ in range(7):
        length //= 2  # Keras' MaxPooling1D(2) floors: 2600 → 1300 → 650 → 325 → 162 → 81 → 40 → 20
    assert net.features(torch.zeros(2, 1, 2600)).shape == (2, 128, length) == (2, 128, 20)
    assert net(torch.zeros(3, 2600)).shape == (3, 4)


def test_batches_follow_the_posts_class_shares():
    p = spectra.SpectraParams(batch_size=160, steps_per_epoch=5)
    classes = ["star", "galaxy", "qso", "unknown"]
    task = spectra.SpectraTask(p, classes, torch.device("cpu"))
    y = torch.tensor([0] * 50 + [1] * 5 + [2] * 5 + [3] * 10)
    order = task.epoch_order(y, torch.Generator().manual_seed(0))
    assert len(order) == 5 * 160
    for batch in order.view(5, 160):
        assert torch.bincount(y[batch], minlength=4).tolist() == [128, 8, 8, 16]


def test_shares_for_other_class_names():
    assert spectra.parse_shares("a:0.5", ["a", "b", "c"]).tolist() == [0.5, 0.25, 0.25]
    assert spectra.parse_shares("", ["a", "b"]).tolist() == [0.5, 0.5]


def test_demo_set_is_labelled_and_shaped():
    s = synthetic.generate(synthetic.SyntheticSpec(n=400, seed=3))
    labels = [x.label for x in s]
    assert set(labels) == set(synthetic.CLASSES) and labels.count("star") > labels.count("qso")
    assert len({x.id for x in s}) == 400 and all(len(x.flux) == 2600 and x.ivar is not None for x in s)


def test_short_run_improves_macro_f1_then_predicts_to_csv(tmp_path):
    p = spectra.SpectraParams(demo_size=400, width=4, batch_size=64, class_shares="", ce_epochs=7, f1_epochs=2,
                              steps_per_epoch=8, snr_min=10, snr_max=40, device="cpu")
    sink = ev.ListSink()
    out = execute(spectra.JOB, p, tmp_path, [sink])
    assert out.status == "completed", out.error
    f1 = [e.values["macro_f1"] for e in sink.of(ev.Metrics) if e.phase == "val"]
    assert max(f1) > f1[0] + 0.15, f1
    kinds = {a.kind: a.payload for a in sink.of(ev.Artifact)}
    assert kinds["confusion"]["matrix"].sum() == 80 and list(kinds["confusion"]["classes"]) == list(synthetic.CLASSES)
    assert kinds["bars"]["counts"].shape == (4,)
    miss = kinds["misclassified"]
    assert len(miss["ids"]) == int(80 - np.trace(kinds["confusion"]["matrix"]))
    # predict on files a user brings: the demo set written as .npz spectra
    folder = tmp_path / "new"
    folder.mkdir()
    for s in synthetic.generate(synthetic.SyntheticSpec(n=5, seed=9)):
        np.savez(folder / f"{s.id}.npz", wavelength=s.wavelength, flux=s.flux)
    (folder / "broken.fits").write_bytes(b"SIMPLE  = garbage")
    table, skipped = spectra.predict(out.run_dir, folder)
    assert len(table) == 5 and [n for n, _ in skipped] == ["broken.fits"]
    probs = table[[f"p_{c}" for c in synthetic.CLASSES]].to_numpy()
    assert np.allclose(probs.sum(1), 1, atol=1e-5) and set(table["predicted"]) <= set(synthetic.CLASSES)


def test_unlabelled_or_single_class_data_is_refused(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "a.csv").write_text("wavelength,flux\n4000,1\n5000,2\n")
    out = execute(spectra.JOB, spectra.SpectraParams(data=str(folder)), tmp_path)
    assert out.status == "failed" and "class label" in out.error
    np.savez(folder / "b.npz", wavelength=np.array([4000.0, 5000.0]), flux=np.array([1.0, 2.0]), label="star")
    np.savez(folder / "c.npz", wavelength=np.array([4000.0, 5000.0]), flux=np.array([1.0, 3.0]), label="star")
    out = execute(spectra.JOB, spectra.SpectraParams(data=str(folder)), tmp_path)
    assert out.status == "failed" and "only the class 'star'" in out.error


def test_v22_the_seeds_example():
    onehot = lambda a: torch.nn.functional.one_hot(torch.tensor(a), 4).double()  # noqa: E731
    assert float(soft_macro_f1(onehot([0, 1, 1, 2]), onehot([0, 0, 1, 2]))) == pytest.approx(7 / 12)
