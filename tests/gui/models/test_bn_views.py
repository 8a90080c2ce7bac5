"""The BN lab's pictures: the landscape bands, β and λmax, and the learning-rate sweep."""

import numpy as np

from engine import events as ev
from gui.widgets.bn_views import LABELS, BandsPanel, SweepPanel, variant_color
from tests.gui.models.test_bench import wait_idle

NAMES = ["plain", "bn_after", "bn_before"]


def bands_payload(steps=(0, 5, 10, 15), seed=0):
    rng = np.random.default_rng(seed)
    p = {"variants": np.array(NAMES), "etas": np.linspace(0.05, 0.4, 8), "steps": np.array(steps, dtype=np.int64)}
    for lo, hi in (("band_lo", "band_hi"), ("grad_lo", "grad_hi")):
        p[lo] = rng.random((3, len(steps)))
        p[hi] = p[lo] + rng.random((3, len(steps)))
    p["beta"] = 10 ** rng.uniform(-1, 2, (3, len(steps)))  # three decades: a log axis
    p["lambda_max"] = 1 + rng.random((3, len(steps)))  # within a decade: linear
    return p


def sweep_payload():
    lrs = np.geomspace(0.01, 10, 4)
    final = np.array([[0.5, 0.3, np.inf, np.inf],
                      [0.6, 0.2, 0.1, 7.0]])
    diverged = np.array([[False, False, True, True],
                         [False, False, False, True]])
    return {"variants": np.array(["plain", "bn_after"]), "lrs": lrs, "final_loss": final, "diverged": diverged}


def test_every_variant_of_the_lab_has_its_own_colour():
    from engine.train.bn_lab import VARIANTS

    assert len({variant_color(v) for v in VARIANTS}) == len(VARIANTS)


def test_bands_panel_plots_the_payload(qtbot):
    panel = BandsPanel()
    qtbot.addWidget(panel)
    p = bands_payload()
    panel.set_payload(p, step=15)
    assert panel.legend.names == NAMES
    for name in NAMES:
        assert LABELS[name] in panel.legend.text() and variant_color(name) in panel.legend.text()
    for i, name in enumerate(NAMES):
        for key in ("band", "grad"):
            lower, upper, fill = panel.items[key][name]
            np.testing.assert_array_equal(lower.xData, p["steps"])
            np.testing.assert_array_equal(lower.yData, p[f"{key}_lo"][i])
            np.testing.assert_array_equal(upper.yData, p[f"{key}_hi"][i])
            assert {fill.curves[0], fill.curves[1]} == {lower, upper}  # shaded between them
        for key in ("beta", "lambda_max"):
            [line] = panel.items[key][name]
            np.testing.assert_array_equal(line.xData, p["steps"])
            np.testing.assert_array_equal(line.yData, p[key][i])
            assert line.opts["pen"].color().name() == variant_color(name)
    assert panel.cards["beta"].plot.getAxis("left").logMode  # spans three decades
    assert not panel.cards["lambda_max"].plot.getAxis("left").logMode
    assert "η in [0.05, 0.4] (8 sizes)" in panel.cards["band"].caption.text()
    assert "4 probes to step 15" in panel.cards["band"].caption.text()
    frame = panel.to_frame("grad")
    assert len(frame) == 3 * 4 and list(frame.columns) == ["variant", "step", "grad_lo", "grad_hi"]

    # a later epoch brings more probes: the same items, longer
    panel.set_payload(bands_payload(steps=(0, 5, 10, 15, 20, 25)))
    assert len(panel.items["band"]["plain"][0].xData) == 6
    assert len(panel.cards["band"].plot.listDataItems()) == 2 * 3

    panel.clear()
    assert panel.payload is None and panel.legend.names == []
    assert all(not card.plot.listDataItems() for card in panel.cards.values())


def test_sweep_panel_marks_diverged_rates(qtbot):
    panel = SweepPanel()
    qtbot.addWidget(panel)
    p = sweep_payload()
    panel.set_payload(p)
    assert panel.legend.names == ["plain", "bn_after"]
    line, marks = panel.items["plain"]
    np.testing.assert_array_equal(line.xData, p["lrs"][:2])
    np.testing.assert_array_equal(line.yData, [0.5, 0.3])
    np.testing.assert_array_equal(marks.xData, p["lrs"][2:])
    top = 2 * 0.6  # twice the largest loss of a rate that trained
    np.testing.assert_array_equal(marks.yData, [top, top])  # infinite losses drawn along the top
    line, marks = panel.items["bn_after"]
    np.testing.assert_array_equal(line.yData, [0.6, 0.2, 0.1])
    np.testing.assert_array_equal(marks.xData, p["lrs"][3:])
    np.testing.assert_array_equal(marks.yData, [top])  # 7.0 is above the top line: clipped to it
    assert panel.card.plot.getAxis("bottom").logMode
    assert "no BN 0.1" in panel.card.caption.text() and "BN after linear 1" in panel.card.caption.text()
    assert len(panel.to_frame()) == 8
    panel.clear()
    assert panel.payload is None and not panel.card.plot.listDataItems() and panel.legend.names == []


def fake_artifacts(bench):
    b = bench.driver.bridge
    b.expect_new_run()
    b.sink(ev.Started("fake", 0, "bn-lab", {}, "/nowhere"))
    b.sink(ev.Artifact("fake", 15, "bands", "landscape", bands_payload()))
    b.sink(ev.Artifact("fake", 15, "sweep", "lr_sweep", sweep_payload()))


def test_bench_shows_the_lab_and_nothing_stale_after_switching(qtbot, bench):
    assert not bench.bands.isVisible() and not bench.sweep.isVisible()  # the VAE draws none of them
    bench.experiment.setCurrentIndex(bench.experiment.findData("bn-lab"))
    assert bench.bands.isVisible() and bench.sweep.isVisible() and not bench.recon.isVisible()
    fake_artifacts(bench)
    qtbot.waitUntil(lambda: bench.sweep.payload is not None, timeout=3000)
    assert bench.bands.legend.names == NAMES
    bench.experiment.setCurrentIndex(bench.experiment.findData("vae"))
    assert not bench.bands.isVisible() and bench.bands.payload is None and bench.sweep.payload is None
    bench.experiment.setCurrentIndex(bench.experiment.findData("bn-lab"))
    assert bench.bands.isVisible() and bench.bands.legend.names == [] and not bench.sweep.items


def test_real_lab_run_draws_bands_and_sweep(qtbot, bench):
    bench.experiment.setCurrentIndex(bench.experiment.findData("bn-lab"))
    bench.form.set_values({"epochs": 1, "hidden": 16, "depth": 2, "sweep_points": 3, "sweep_steps": 10,
                           "power_iters": 5})
    bench.start()
    wait_idle(qtbot, bench)
    assert "completed" in bench.messages.text.text(), bench.messages.text.text()
    assert bench.bands.isVisible() and bench.sweep.isVisible()
    bands, sweep = bench.bands.payload, bench.sweep.payload
    assert bench.bands.legend.names == NAMES and bench.sweep.legend.names == NAMES
    assert bands["steps"][0] == 0 and (np.diff(bands["steps"]) == 5).all()  # a probe every 5 steps
    assert len(bands["steps"]) == 6  # 1,617 training images in 26 batches of 64: steps 0, 5, …, 25
    np.testing.assert_array_equal(bench.bands.items["beta"]["bn_after"][0].yData, bands["beta"][1])
    np.testing.assert_allclose(sweep["lrs"], np.geomspace(0.01, 30.0, 3))
