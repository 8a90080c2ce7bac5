import numpy as np
import pytest
from PySide6.QtCore import QLocale
from PySide6.QtGui import QValidator

from engine import params as prm
from engine.smoothing import debiased_ema
from engine.train.vae import VAEParams
from gui.widgets.image_grid import mosaic
from gui.widgets.live_plot import GrowingSeries, MetricsPanel
from gui.widgets.params_form import ParamsForm


def test_debiased_ema_by_hand():
    w = 0.5
    x = np.array([4.0, 0.0, 2.0])
    # s1 = 0.5·4 = 2 → /0.5 = 4; s2 = 0.5·2 + 0 = 1 → /0.75; s3 = 0.5·1 + 0.5·2 = 1.5 → /0.875
    np.testing.assert_allclose(debiased_ema(x, w), [4.0, 1 / 0.75, 1.5 / 0.875])


def test_debiased_ema_leaves_constants_and_caps_weight():
    np.testing.assert_allclose(debiased_ema(np.full(50, 3.25), 0.9), 3.25)
    np.testing.assert_allclose(debiased_ema(np.array([1.0, 5.0]), 1.0), debiased_ema(np.array([1.0, 5.0]), 0.99))


def test_growing_series_doubles_and_keeps_order():
    s = GrowingSeries(capacity=2)
    for i in range(9):
        s.append(i, i * i)
    s.extend(np.arange(9, 20), np.arange(9, 20) ** 2)
    assert s.n == 20 and len(s.x) >= 20
    np.testing.assert_array_equal(s.ys, np.arange(20) ** 2)


def test_metrics_panel_outliers_log_and_export(qtbot, tmp_path):
    from gui.widgets.export import export_picture

    panel = MetricsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    panel.smoothing.setValue(0)
    for step in range(1, 201):
        panel.add_point("r1", "train", step, {"loss": 1000.0 if step == 3 else 1.0 + 0.001 * step})
    panel.add_point("r1", "val", 200, {"loss": 1.1})
    panel.redraw()
    plot = panel.plots["loss"]
    panel.ignore_outliers.setChecked(True)
    lo, hi = plot.viewRange()[1]
    assert hi < 10, "the spike must not set the range"
    panel.log_y.setChecked(True)
    lo, hi = plot.viewRange()[1]
    assert -0.5 < lo and hi < 1.0  # log10 of values around 1.0–1.2
    frame = panel.to_frame()
    assert len(frame) == 201 and set(frame["phase"]) == {"train", "val"}
    for suffix in ("png", "svg"):
        path = export_picture(panel.layout_widget.scene(), tmp_path / f"c.{suffix}")
        assert path.stat().st_size > 1000
    panel.remove_run("r1")
    assert not panel.curves


def test_mosaic_layout():
    tiles = np.stack([np.full((2, 3), i, np.float32) for i in range(5)])
    m = mosaic(tiles, cols=3, pad=1)
    assert m.shape == (2 * 3 + 1, 3 * 4 + 1)
    assert m[1, 1] == 0 and m[1, 5] == 1 and m[4, 1] == 3


def test_params_form_round_trip_and_errors(qtbot):
    form = ParamsForm(VAEParams)
    qtbot.addWidget(form)
    gui_fields = {s.name for s in prm.specs(VAEParams) if s.gui}
    assert set(form.editors) == gui_fields and "data" not in form.editors
    form.set_values({"latent": 8, "optimizer": "adam", "lr": 0.01, "amp": True})
    p = form.params()
    assert (p.latent, p.optimizer, p.lr, p.amp) == (8, "adam", 0.01, True)
    form.editors["lr"].setText("fast")
    with pytest.raises(prm.ParamError, match="not a number"):
        form.params()
    form.editors["lr"].setText("-1")
    with pytest.raises(prm.ParamError, match=r"Learning rate \(--lr\) must be ≥ 1e-07; got -1"):
        form.params()


def test_debiased_ema_matches_the_recurrence_past_the_underflow_cut():
    rng = np.random.default_rng(3)
    x = rng.normal(size=6000)
    for w in (0.5, 0.99):
        s, expected = 0.0, []
        for t, v in enumerate(x):  # TensorBoard's loop, written out
            s = w * s + (1 - w) * v
            expected.append(s / (1 - w ** (t + 1)))
        np.testing.assert_allclose(debiased_ema(x, w), expected, rtol=1e-10, atol=1e-12)


def test_spin_boxes_show_no_trailing_zeros_but_keep_typed_decimals(qtbot):
    from gui.widgets.params_form import TrimmedSpinBox

    box = TrimmedSpinBox()
    qtbot.addWidget(box)
    box.setDecimals(6)
    box.setRange(-100, 100)
    for value, shown in [(0.5, "0.5"), (40.0, "40"), (3.690342, "3.690342"), (0.15, "0.15"), (0.0, "0"),
                         (-2.5, "-2.5"), (-1e-9, "0")]:
        box.setValue(value)
        assert box.text() == shown
        assert box.value() == pytest.approx(value, abs=1e-9)


def test_a_form_keeps_what_a_run_recorded_and_takes_scientific_notation(qtbot):
    form = ParamsForm(VAEParams)
    qtbot.addWidget(form)
    form.set_values({"ema": 0.99999, "weight_decay": 0.00001})  # a run made on the command line
    p = form.params()
    assert (p.ema, p.weight_decay) == (0.99999, 0.00001)  # not 1 (refused by Start) and "off"
    form.set_values({"weight_decay": 1e-7})
    assert form.params().weight_decay == 1e-7
    box = form.editors["weight_decay"]
    for typed, value in (("5e-4", 0.0005), ("2.5E-3", 0.0025), ("0.01", 0.01)):
        box.lineEdit().selectAll()
        qtbot.keyClicks(box.lineEdit(), typed)
        box.interpretText()
        assert box.value() == pytest.approx(value, rel=1e-12)
    assert form.params().weight_decay == pytest.approx(0.01)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "3e2")  # above the maximum of 1: not taken
    box.interpretText()
    assert box.value() == pytest.approx(0.01)


def test_scientific_notation_follows_the_locales_decimal_point(qtbot):
    form = ParamsForm(VAEParams)
    qtbot.addWidget(form)
    box = form.editors["weight_decay"]
    box.setLocale(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "1,5e-3")
    box.interpretText()
    assert box.value() == pytest.approx(0.0015, rel=1e-12)
    assert box.validate("1.5e-3", 0)[0] != QValidator.State.Acceptable  # a dot is not the decimal point here
    assert box.validate("1e-12", 0)[0] == QValidator.State.Intermediate  # below what the box can hold: not 0
