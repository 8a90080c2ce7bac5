"""The Models bench, driven as a user drives it."""

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from engine import events as ev
from engine.runs import RunStore, list_runs


def wait_idle(qtbot, bench, timeout=120000):
    qtbot.waitUntil(lambda: not bench.busy, timeout=timeout)


def test_short_real_run_fills_curves_pictures_and_run_list(qtbot, bench):
    bench.form.set_values({"epochs": 2})
    with qtbot.waitSignal(bench.busy_changed, timeout=5000):
        qtbot.mouseClick(bench.controls.start, Qt.MouseButton.LeftButton)
    assert not bench.controls.start.isEnabled() and bench.controls.cancel.isEnabled()
    wait_idle(qtbot, bench)
    assert bench.messages.level == "info" and "completed" in bench.messages.message()
    run = bench.driver.current_run
    assert {(run, "train", "loss"), (run, "val", "loss"), (run, "val", "kl"), (run, "train", "recon")} \
        <= set(bench.curves.curves)
    assert bench.curves.curves[(run, "val", "loss")].series.n == 2
    for (_, phase, metric), c in bench.curves.curves.items():  # every plot shows the whole run
        assert not c.dirty and len(c.shown) == c.series.n, (phase, metric)
    assert bench.recon.array is not None and bench.manifold.array is not None
    assert len(bench.latent.points) == 180 and len(bench.latent.classes) == 10
    assert bench.controls.bar.value() == 1000
    assert bench.runs.model.rowCount() == 1 and bench.runs.model.frame["status"].iat[0] == "completed"
    assert bench.controls.start.isEnabled() and not bench.controls.cancel.isEnabled()


def test_pause_then_stop_early(qtbot, bench):
    bench.form.set_values({"epochs": 500})
    bench.start()
    qtbot.waitUntil(lambda: bench.controls.bar.value() > 0, timeout=30000)
    c = bench.controls
    qtbot.mouseClick(c.pause, Qt.MouseButton.LeftButton)
    assert c.pause.text() == "Resume" and bench.driver.thread.control.paused
    qtbot.mouseClick(c.pause, Qt.MouseButton.LeftButton)
    assert c.pause.text() == "Pause" and not bench.driver.thread.control.paused
    qtbot.mouseClick(c.stop, Qt.MouseButton.LeftButton)
    assert c.stop.text() == "Stopping…" and not c.stop.isEnabled() and not c.pause.isEnabled()
    assert c.cancel.isEnabled()  # one can still cancel a slow stop
    wait_idle(qtbot, bench)
    [info] = list_runs(bench.workspace)
    assert info.status == "stopped"
    assert RunStore(info.path).checkpoint_path("last").is_file()
    assert c.stop.text() == "Stop early" and c.start.isEnabled()


def test_cancel_relabels_and_ends_cancelled(qtbot, bench):
    bench.form.set_values({"epochs": 500})
    bench.start()
    qtbot.waitUntil(lambda: bench.controls.bar.value() > 0, timeout=30000)
    qtbot.mouseClick(bench.controls.cancel, Qt.MouseButton.LeftButton)
    c = bench.controls
    assert c.cancel.text() == "Cancelling…" and not any(b.isEnabled() for b in (c.cancel, c.stop, c.pause))
    wait_idle(qtbot, bench)
    assert list_runs(bench.workspace)[0].status == "cancelled"
    assert "Cancelled" in bench.messages.message()


def test_bad_file_shows_the_message_bar(qtbot, bench, tmp_path):
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x05")  # header cut short
    bench.picker.set_source(str(bad))
    qtbot.waitUntil(lambda: bench.messages.level == "error", timeout=10000)
    assert "truncated" in bench.messages.message()
    assert bench.messages.isVisible()
    bench.picker.set_source("digits")
    qtbot.waitUntil(lambda: bench.data_ok, timeout=10000)
    assert not bench.messages.isVisible()


def test_bad_data_is_refused_before_any_run_folder(qtbot, bench, tmp_path):
    np.savez(tmp_path / "empty.npz", nothing=np.zeros(1))
    bench.picker.set_source(str(tmp_path / "empty.npz"))
    qtbot.waitUntil(lambda: bench.messages.level == "error", timeout=10000)
    bench.start()  # the user starts anyway
    wait_idle(qtbot, bench)
    assert bench.messages.level == "error" and "expected 'x'" in bench.messages.message()
    assert list_runs(bench.workspace) == [] and not bench.runs.resume_button.isEnabled()


def test_bad_setting_is_refused_before_any_run(qtbot, bench):
    bench.form.editors["lr"].setText("abc")
    bench.start()
    assert bench.messages.level == "error" and "not a number" in bench.messages.message()
    assert not bench.busy and list_runs(bench.workspace) == []


def test_fake_event_stream_drives_the_plots(qtbot, bench):
    """No torch: scripted events through the bridge fill every panel."""
    b = bench.driver.bridge
    b.expect_new_run()
    b.sink(ev.Started("fake", 0, "vae", {}, "/nowhere"))
    for step in range(1, 51):
        b.sink(ev.Metrics("fake", step, "train", 0, {"loss": 10 / step, "kl": 1.0}))
    b.sink(ev.Metrics("fake", 50, "val", 0, {"loss": 0.5, "kl": 1.0}))
    b.sink(ev.Progress("fake", 50, 100, 5.0, 5.0, epoch=0))
    rng = np.random.default_rng(0)
    b.sink(ev.Artifact("fake", 50, "image_pairs", "reconstructions",
                       {"originals": rng.random((16, 8, 8)), "reconstructions": rng.random((16, 8, 8))}))
    b.sink(ev.Artifact("fake", 50, "scatter", "latent",
                       {"points": rng.normal(size=(30, 2)), "labels": np.arange(30) % 3, "axes": ["z₁", "z₂"]}))
    b.sink(ev.Artifact("fake", 50, "image_grid", "manifold", {"images": rng.random((15, 15, 8, 8))}))
    with qtbot.waitSignal(b.artifact, timeout=3000):
        pass
    qtbot.waitUntil(lambda: bench.manifold.array is not None, timeout=3000)
    assert bench.curves.curves[("fake", "train", "loss")].series.n == 50
    assert bench.controls.bar.value() == 500 and "ETA" in bench.controls.eta.text()
    assert bench.recon.array.shape[1] > bench.recon.array.shape[0]  # two mosaics side by side
    assert len(bench.latent.classes) == 3
    assert bench.manifold.array.shape == (15 * 9 + 1, 15 * 9 + 1)


def test_overlay_resume_and_run_again(qtbot, bench):
    bench.form.set_values({"epochs": 1, "latent": 3})
    bench.start()
    wait_idle(qtbot, bench)
    first = bench.driver.current_run
    bench.runs.table.selectRow(0)
    assert first in bench.curves.runs()
    bench.form.set_values({"latent": 2, "epochs": 7})
    qtbot.mouseClick(bench.runs.rerun_button, Qt.MouseButton.LeftButton)
    assert bench.form.params().latent == 3 and bench.form.params().epochs == 1
    bench.form.set_values({"epochs": 2})
    bench.runs.table.selectRow(0)
    bench.resume(bench.runs.selected()[0])
    wait_idle(qtbot, bench)
    assert bench.driver.current_run == first
    metrics = RunStore(bench.runs.paths[first]).metrics()
    assert sorted(metrics.query("phase == 'val'")["epoch"]) == [0]  # config says 1 epoch: nothing to add
    bench.runs.refresh()
    assert bench.runs.model.rowCount() == 1


def test_drop_a_file_on_the_bench(qtbot, bench, tmp_path):
    np.savez(tmp_path / "mine.npz", x=np.random.default_rng(0).random((40, 6, 6)), y=np.arange(40) % 2)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "mine.npz"))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    bench.dropEvent(drop)
    qtbot.waitUntil(lambda: "40 images of 6×6" in bench.data_summary.text(), timeout=10000)
    assert bench.picker.source().endswith("mine.npz")


def test_gan_run_shows_real_and_generated(qtbot, bench):
    bench.experiment.setCurrentIndex(bench.experiment.findData("gan"))
    names = [bench.picker.combo.itemText(i) for i in range(bench.picker.combo.count())]
    assert names[:4] == ["gaussians8", "moons", "swissroll", "checkerboard"] and "digits" in names
    qtbot.waitUntil(lambda: bench.data_ok and "synthetic 2-D" in bench.data_summary.text(), timeout=10000)
    bench.form.set_values({"epochs": 2, "points": 2000, "loss": "wgan-gp"})
    bench.start()
    wait_idle(qtbot, bench)
    assert "completed" in bench.messages.message()
    assert sorted(bench.latent.classes.values()) == ["generated", "real"]
    assert (bench.driver.current_run, "val", "swd") in bench.curves.curves
    assert bench.runs.model.rowCount() == 1  # the list shows this experiment's runs


def test_export_samples_from_the_run_list(qtbot, bench, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    bench.form.set_values({"epochs": 1})
    bench.start()
    wait_idle(qtbot, bench)
    bench.runs.table.selectRow(0)
    target = tmp_path / "draws.npy"
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (7, True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(bench.runs.samples_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved 7 samples" in bench.messages.message(), timeout=20000)
    assert np.load(target).shape == (7, 8, 8)
    grid = tmp_path / "draws.png"  # the same samples as one picture: 3 × 3 tiles of 8 × 8, 1 px apart
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(grid), ""))
    qtbot.mouseClick(bench.runs.samples_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: str(grid) in bench.messages.message(), timeout=20000)
    from PIL import Image

    assert Image.open(grid).size == (26, 26)


def test_form_values_survive_switching_experiment_and_restarting(qtbot, bench, tmp_path):
    from gui.benches.models import ModelsBench

    bench.form.set_values({"epochs": 300})
    bench.experiment.setCurrentIndex(bench.experiment.findData("gan"))
    assert bench.form.values()["epochs"] == 40  # the GAN's own default
    bench.experiment.setCurrentIndex(bench.experiment.findData("vae"))
    assert bench.form.values()["epochs"] == 300
    again = ModelsBench(tmp_path / "ws2")
    qtbot.addWidget(again)
    assert again.form.values()["epochs"] == 300
    again.shutdown()


def test_download_can_be_cancelled_from_the_button(qtbot, bench, tmp_path, monkeypatch):
    import hashlib
    import time

    import gui.benches.models as models
    from engine.data import mnist

    server = tmp_path / "server"
    server.mkdir()
    big = server / "train-images-idx3-ubyte.gz"
    big.write_bytes(np.random.default_rng(0).bytes(40 << 20))
    files = {big.name: hashlib.md5(big.read_bytes()).hexdigest()}

    class Slowed:  # a network's pace (≥ 1.3 s for the 640 chunks), so Cancel lands before the end
        def __init__(self, ctx):
            self.ctx = ctx

        def __getattr__(self, name):
            return getattr(self.ctx, name)

        def checkpoint(self):
            time.sleep(0.002)
            self.ctx.checkpoint()

    monkeypatch.setattr(models, "download_mnist", lambda p, ctx: mnist.download(
        tmp_path / "cache", mirrors=[server.as_uri() + "/"], files=files, ctx=Slowed(ctx)))
    bench.download.click()
    qtbot.waitUntil(lambda: bench.download.text() == "Cancel download", timeout=10000)
    qtbot.waitUntil(lambda: "downloading" in bench.data_summary.text(), timeout=10000)
    bench.download.click()
    qtbot.waitUntil(lambda: not bench.download_runner.busy, timeout=20000)
    assert bench.download.text() == "Download MNIST" and bench.messages.level != "error"
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_second_experiment_keeps_none_of_the_first_ones_panels(qtbot, bench):
    bench.form.set_values({"epochs": 1})
    bench.start()
    wait_idle(qtbot, bench)
    assert not bench.recon.isHidden()  # the VAE drew its reconstructions
    bench.experiment.setCurrentIndex(bench.experiment.findData("gan"))
    bench.form.set_values({"epochs": 1, "points": 500})
    bench.start()
    wait_idle(qtbot, bench)
    shown = {kind for kind, panel in bench.panels.items() if not panel.isHidden()}
    assert shown == {"scatter"}  # a GAN on points draws its scatter only; the VAE's panels stay hidden


def test_switching_experiment_drops_the_last_runs_news(qtbot, bench):
    bench.form.set_values({"epochs": 1})
    bench.start()
    wait_idle(qtbot, bench)
    assert "Run completed" in bench.messages.message()
    bench.runs.select([bench.driver.current_run])  # the finished run, selected: its saved pictures on screen
    qtbot.waitUntil(lambda: bench.driver.shown is not None, timeout=5000)
    bench.experiment.setCurrentIndex(bench.experiment.findData("gan"))
    assert bench.messages.level == ""
    qtbot.wait(50)
    assert len(bench.latent.points) == 0 and bench.recon.isHidden()  # none of the VAE's pictures
    assert "completed" not in bench.controls.bar.format() and bench.controls.bar.value() == 0
    shown = {kind for kind, panel in bench.panels.items() if not panel.isHidden()}
    assert shown == set(bench.job.pictures)  # the GAN's own panels, waiting with their hints
