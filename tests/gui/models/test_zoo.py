"""The zoo's live pictures in the Models bench: code maps and usage, the
denoising field with its sampler frames, BiGAN reconstructions, neighbours."""

import numpy as np
from PySide6.QtCore import Qt

from tests.gui.models.test_bench import wait_idle


def run(qtbot, bench, name, values, data=None):
    bench.experiment.setCurrentIndex(bench.experiment.findData(name))
    if data:
        bench.picker.set_source(data)
    qtbot.waitUntil(lambda: bench.data_ok, timeout=20000)
    bench.form.set_values(values)
    bench.start()
    wait_idle(qtbot, bench)
    assert "completed" in bench.messages.message(), bench.messages.message()


def test_vqvae_shows_code_maps_in_colour_and_code_usage(qtbot, bench):
    run(qtbot, bench, "vqvae", {"epochs": 1})
    assert bench.bars.isVisible() and not bench.latent.isVisible()
    assert len(bench.bars.counts) == 64 and bench.bars.counts.sum() == 180 * 16
    assert bench.bars.to_frame().shape == (64, 2)
    grid = bench.manifold.array
    assert np.isnan(grid).any() and np.nanmax(grid) <= 63  # indices, with transparent gaps
    assert bench.manifold.image.lut is not None  # drawn through a colormap, not grey
    assert bench.recon.array is not None
    assert (bench.driver.current_run, "val", "perplexity") in bench.curves.curves


def test_dae_field_plays_the_sampler(qtbot, bench):
    run(qtbot, bench, "dae", {"epochs": 1, "points": 2000, "langevin_steps": 8}, data="gaussians8")
    f = bench.field
    assert f.isVisible() and f.payload is not None
    last = f.slider.maximum()
    assert last == 1 + 10 * 4 and f.slider.value() == last
    assert "final denoising" in f.where.text()
    f.slider.setValue(0)
    assert "uniform noise" in f.where.text() and len(f.samples.data) == 400  # the validation fifth of 2,000 points
    qtbot.mouseClick(f.play, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f.slider.value() == last and not f.play.isChecked(), timeout=20000)
    assert "final denoising" in f.where.text()
    xs, ys = f.arrows.getData()
    assert len(xs) == 2 * 21 * 21
    assert f.to_frame().shape == (400, 2)


def test_bigan_on_images_shows_reconstructions_and_samples(qtbot, bench):
    run(qtbot, bench, "bigan-qp", {"epochs": 1}, data="digits")
    assert bench.recon.array is not None and bench.manifold.array is not None
    assert not bench.latent.isVisible() and not bench.field.isVisible()


def test_bigan_on_points_shows_three_clouds(qtbot, bench):
    run(qtbot, bench, "bigan-qp", {"epochs": 1, "points": 2000}, data="moons")
    assert sorted(bench.latent.classes.values()) == ["generated", "real", "reconstructed"]


def test_infomax_shows_neighbours_and_features(qtbot, bench):
    run(qtbot, bench, "infomax", {"epochs": 1}, data="digits")
    assert bench.manifold.array is not None and "nearest neighbours" in bench.manifold.title.text
    assert len(bench.latent.points) == 180
    assert (bench.driver.current_run, "val", "knn_acc") in bench.curves.curves
