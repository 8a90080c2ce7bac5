"""The Maths bench: every tab opens on a working picture, controls redraw (latest wins),
EM steps climb, HSIC runs on a user's CSV, drags re-route, and every plot exports.

Reference values come from outside the code under test: the post's table (SEEDS §15),
closed forms, numpy's trace formula for HSIC, numpy's correlations and scikit-learn's
K-means."""

import math

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt

from engine.maths import angles, em
from gui.benches.maths import MathsBench
from gui.widgets.export import ExportButton

WAIT = 60000


@pytest.fixture
def maths(qtbot, shown_bench):
    b = shown_bench(MathsBench)
    for i in range(b.tabs.count()):  # a tab computes its first picture when first shown
        b.tabs.setCurrentIndex(i)
    b.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: b.angles.picture is not None and b.hsic.result is not None
                    and b.hsic.matrix is not None and b.em.state is not None, timeout=WAIT)
    return b


def centres_and_density(curve):
    edges, density = curve.getData()
    return 0.5 * (edges[1:] + edges[:-1]), density


# -- Angles ----------------------------------------------------------------------------------

def test_angles_open_on_the_posts_case(maths):
    tab = maths.angles
    r = tab.picture.result
    assert r.n == 10 and r.angles.size == 200_000  # the post's experiment
    assert abs(r.variance - 0.110661) < 0.003 and abs(r.mean - math.pi / 2) < 0.003  # SEEDS §15
    x, density = centres_and_density(tab.theta_hist)
    assert np.abs(density - angles.angle_pdf(x, 10)).max() < 0.06  # histogram on the exact pdf
    # the drawn curves are the exact pdf and the post's N(π/2, 1/(n − 2))
    t, pdf = tab.theta_pdf.getData()
    c = math.gamma(5) / (math.gamma(4.5) * math.sqrt(math.pi))
    assert np.allclose(pdf, c * np.sin(t) ** 8)
    t, normal = tab.theta_normal.getData()
    assert np.allclose(normal, np.exp(-(t - math.pi / 2) ** 2 * 8 / 2) * math.sqrt(8 / (2 * math.pi)))
    # the table: the post's values, the closed forms V3/V4 and the quadrature
    frame = tab.table_frame().set_index("n")
    assert frame.loc[3, "closed_form"] == pytest.approx(math.pi ** 2 / 4 - 2)
    assert frame.loc[2, "quadrature"] == pytest.approx(math.pi ** 2 / 12, rel=1e-9)
    for n, post in ((10, 0.110661), (100, 0.0101007), (1000, 0.001001)):
        assert frame.loc[n, "quadrature"] == pytest.approx(post, rel=1e-5)
        assert frame.loc[n, "post"] == post


def test_angles_slider_redraws_in_a_window_around_pi_half(qtbot, maths):
    tab = maths.angles
    for n in (50, 200, 5000, 1000):  # a burst: the last one shows
        tab.n_spin.setValue(n)
    qtbot.waitUntil(lambda: tab.picture.result.n == 1000 and not tab.runner.busy, timeout=WAIT)
    r = tab.picture.result
    assert r.angles.size == 2000  # fewer pairs at large n
    edges, _ = tab.theta_hist.getData()
    assert edges[0] == pytest.approx(math.pi / 2 - 6 / math.sqrt(1000))
    assert tab.n_slider.value() == round(math.log(500) / math.log(5000) * 1000)
    assert tab.marker.value() == pytest.approx(3.0)
    assert abs(r.variance - 1 / 999) < 0.15 / 999  # 2,000 pairs: ±3 standard errors
    tab.form.set_values({"samples": 5000})
    qtbot.waitUntil(lambda: not tab.runner.busy, timeout=WAIT)
    assert tab.picture.result.angles.size == 2000
    tab.limited.setChecked(False)
    qtbot.waitUntil(lambda: tab.picture.result.angles.size == 5000, timeout=WAIT)


def test_angles_sweep_lies_on_the_exact_variance(qtbot, maths):
    tab = maths.angles
    qtbot.waitUntil(lambda: tab.swept is not None and len(tab.swept["rows"]) == 13, timeout=WAIT)
    rows = pd.DataFrame(tab.swept["rows"]).set_index("n")
    assert rows.loc[3, "variance"] == pytest.approx(math.pi ** 2 / 4 - 2, rel=0.02)
    assert rows.loc[10000, "variance"] == pytest.approx(1 / 9999, rel=0.15)
    assert np.allclose(rows["mean"], math.pi / 2, atol=0.01)
    sampled = tab.table_frame().set_index("n")["sampled"]
    assert sampled[10] == pytest.approx(rows.loc[10, "variance"])


def test_cube_vectors_leave_the_isotropic_law_at_small_n(qtbot, maths):
    tab = maths.angles
    tab.form.set_values({"bins": 20})
    tab.n_spin.setValue(2)
    qtbot.waitUntil(lambda: tab.picture.result.n == 2 and len(tab.picture.theta.density) == 20, timeout=WAIT)
    gaussian = np.abs(tab.picture.theta.density * math.pi - 1).max()  # V4: θ uniform on [0, π]
    tab.form.set_values({"distribution": "cube"})
    qtbot.waitUntil(lambda: tab.picture.result.distribution == "cube", timeout=WAIT)
    cube = np.abs(tab.picture.theta.density * math.pi - 1).max()
    assert gaussian < 0.035 < cube  # the square is not isotropic: ±5 % ripples


# -- HSIC ------------------------------------------------------------------------------------

def hsic_by_trace(x, y, sigma=1.0):
    """Tr(K H L H)/n², the matrix form the post derives."""
    n = len(x)
    k = np.exp(-np.subtract.outer(x, x) ** 2 / sigma ** 2)
    l_ = np.exp(-np.subtract.outer(y, y) ** 2 / sigma ** 2)
    h = np.eye(n) - 1.0 / n
    return np.trace(k @ h @ l_ @ h) / n ** 2


def test_hsic_opens_on_the_authors_demo(maths):
    tab = maths.hsic
    r = tab.result
    assert r.n == 1000 and 0.08 < r.hsic < 0.11 and r.p_value < 0.01  # SEEDS §5: ≈ 0.096
    assert len(tab.points.data) == 1000
    x, y = tab.pair[:, 0], tab.pair[:, 1]
    assert r.hsic == pytest.approx(hsic_by_trace(x, y), rel=1e-9)
    assert tab.observed.value() == pytest.approx(math.log10(r.hsic))  # the null is drawn on log₁₀ HSIC
    m = tab.matrix
    assert np.allclose(m.pearson, np.corrcoef(tab.frame[m.names].to_numpy(), rowvar=False))
    q = m.names.index("quadratic x"), m.names.index("quadratic y")
    assert m.normalised[q] > 0.2 and abs(m.pearson[q]) < 0.1  # what HSIC sees and correlation misses


def test_hsic_controls_retest(qtbot, maths):
    tab = maths.hsic
    tab.kind.setCurrentText("independent")
    qtbot.waitUntil(lambda: tab.result.hsic < 0.01 and not tab.test_runner.busy, timeout=WAIT)
    assert tab.x_combo.currentText() == "independent x" and tab.result.p_value > 0.01
    tab.form.set_values({"bandwidth": "median", "permutations": 50})
    qtbot.waitUntil(lambda: tab.result.null.size == 50, timeout=WAIT)
    assert tab.result.sigma_x != 1.0 and "not the author's" in tab.kernel_note.text()
    tab.form.set_values({"estimator": "unbiased"})
    qtbot.waitUntil(lambda: tab.result.estimator == "unbiased", timeout=WAIT)
    assert "unbiased" in tab.null.caption.text() and tab.result.gamma is None


def test_hsic_on_a_small_csv(qtbot, maths, tmp_path):
    rng = np.random.default_rng(5)
    a = rng.uniform(-2, 2, 80)
    frame = pd.DataFrame({"a": a, "b": a ** 2 + 0.1 * rng.standard_normal(80), "name": ["w"] * 80,
                          "d": rng.standard_normal(80)})
    path = tmp_path / "pairs.csv"
    frame.to_csv(path, index=False)
    tab = maths.hsic
    tab.picker.set_source(str(path))
    qtbot.waitUntil(lambda: tab.source == str(path) and tab.result is not None and tab.result.n == 80
                    and tab.matrix is not None and tab.matrix.names == ["a", "b", "d"], timeout=WAIT)
    assert [tab.x_combo.itemText(i) for i in range(tab.x_combo.count())] == ["a", "b", "d"]
    assert not tab.synthetic_box.isEnabled()
    assert tab.result.hsic == pytest.approx(hsic_by_trace(frame["a"].to_numpy(), frame["b"].to_numpy()), rel=1e-9)
    assert tab.result.p_value < 0.01 and abs(tab.result.pearson) < 0.3
    assert np.allclose(tab.matrix.pearson, frame[["a", "b", "d"]].corr().to_numpy())
    tab.y_combo.setCurrentText("d")
    qtbot.waitUntil(lambda: not tab.test_runner.busy and tab.result.hsic == pytest.approx(
        hsic_by_trace(frame["a"].to_numpy(), frame["d"].to_numpy()), rel=1e-9), timeout=WAIT)


def test_hsic_bad_table_says_why(qtbot, maths, tmp_path):
    path = tmp_path / "words.csv"
    path.write_text("a,b\nx,y\nz,w\n", encoding="utf-8")
    maths.hsic.picker.set_source(str(path))
    qtbot.waitUntil(lambda: maths.messages.level == "error", timeout=WAIT)
    assert "words.csv" in maths.messages.message() and "numeric" in maths.messages.message()


# -- EM --------------------------------------------------------------------------------------

def test_em_opens_with_ellipses_and_the_truth(maths):
    tab = maths.em
    assert tab.state.iteration == 0 and len(tab.history) == 1
    assert tab.state.mixture.means.shape == (3, 2) and len(tab.points.data) == 500
    assert len(tab._items) == 3 + 3 * 2 + 3  # truth ellipses, 1σ and 2σ ellipses, means
    assert tab.truth_line.isVisible()


def test_em_steps_climb_and_run_converges(qtbot, maths):
    tab = maths.em
    for i in range(1, 6):
        tab.step_button.click()
        qtbot.waitUntil(lambda i=i: tab.state.iteration == i and not tab.work.busy, timeout=WAIT)
    assert np.all(np.diff(tab.history) >= -1e-12)  # the log-likelihood never decreases
    _, curve = tab.history_line.getData()
    assert np.array_equal(curve, tab.history)
    tab.task.button.click()
    qtbot.waitUntil(lambda: tab.converged and not tab.work.busy, timeout=WAIT)
    assert tab.state.iteration > 5 and np.all(np.diff(tab.history) >= -1e-12)
    assert len(tab.history) == tab.state.iteration + 1


def test_em_control_change_resets(qtbot, maths):
    tab = maths.em
    tab.form.set_values({"k": 4, "covariance": "spherical"})
    qtbot.waitUntil(lambda: tab.state.mixture.means.shape == (4, 2)
                    and tab.state.mixture.covariance_type == "spherical" and not tab.work.busy, timeout=WAIT)
    assert tab.state.iteration == 0
    tab.picker.set_source("generated mixture, 1-D")
    qtbot.waitUntil(lambda: tab.state.mixture.means.shape == (4, 1) and not tab.work.busy, timeout=WAIT)
    tab.step_button.click()
    qtbot.waitUntil(lambda: tab.state.iteration == 1, timeout=WAIT)
    assert tab.history[1] >= tab.history[0]
    tab.timer.setInterval(1)  # the test need not watch at the viewer's pace
    tab.play_button.setChecked(True)  # steps until converged, then stops by itself
    qtbot.waitUntil(lambda: tab.converged and not tab.play_button.isChecked(), timeout=WAIT)
    assert tab.state.iteration > 1 and np.all(np.diff(tab.history) >= -1e-12)


def test_kmeans_is_the_hard_limit_and_matches_sklearn(qtbot, maths):
    from sklearn.cluster import KMeans

    tab = maths.em
    tab.algorithm.setCurrentIndex(1)
    qtbot.waitUntil(lambda: isinstance(tab.state, em.KMeansState) and not tab.work.busy, timeout=WAIT)
    start = tab.state.means.copy()
    tab.task.button.click()
    qtbot.waitUntil(lambda: tab.converged and not tab.work.busy, timeout=WAIT)
    assert np.all(np.diff(tab.history) <= 1e-12)  # inertia never rises
    reference = KMeans(3, init=start, n_init=1, tol=0).fit(tab.data.points)
    assert np.array_equal(tab.state.labels, reference.labels_)
    assert np.allclose(tab.state.means, reference.cluster_centers_)


def test_em_on_a_table_column(qtbot, maths, tmp_path):
    rng = np.random.default_rng(2)
    values = np.r_[rng.normal(-5, 1, 150), rng.normal(5, 1, 150)]
    path = tmp_path / "one.csv"
    pd.DataFrame({"v": values}).to_csv(path, index=False)
    tab = maths.em
    tab.form.set_values({"k": 2})
    tab.picker.set_source(str(path))
    qtbot.waitUntil(lambda: tab.data.points.shape == (300, 1) and tab.state is not None
                    and tab.state.mixture.means.shape == (2, 1) and not tab.work.busy, timeout=WAIT)
    tab.task.button.click()
    qtbot.waitUntil(lambda: tab.converged and not tab.work.busy, timeout=WAIT)
    means = np.sort(tab.state.mixture.means[:, 0])
    assert np.allclose(means, [-5, 5], atol=0.3)  # SEEDS §19: two clusters at ±5 recovered
    assert not tab.truth_line.isVisible()


# -- Routing ---------------------------------------------------------------------------------

class Drag:
    """What pyqtgraph hands mouseDragEvent, for one step of a drag."""

    def __init__(self, down, at, start=False, finish=False):
        self.down, self.at, self.start, self.finish, self.accepted = down, at, start, finish, None

    def button(self):
        return Qt.MouseButton.LeftButton

    def isStart(self):  # noqa: N802
        return self.start

    def isFinish(self):  # noqa: N802
        return self.finish

    def buttonDownPos(self):  # noqa: N802
        return QPointF(*self.down)

    def pos(self):
        return QPointF(*self.at)

    def accept(self):
        self.accepted = True

    def ignore(self):
        self.accepted = False


def test_tabs_wait_until_shown(qtbot, tmp_path):
    b = MathsBench(tmp_path / "ws")
    qtbot.addWidget(b)
    b.show()
    qtbot.waitUntil(lambda: b.angles.picture is not None, timeout=WAIT)
    assert b.hsic.result is None and not b.hsic.test_runner.busy and b.em.state is None
    b.tabs.setCurrentWidget(b.em)
    qtbot.waitUntil(lambda: b.em.state is not None, timeout=WAIT)
    b.shutdown()


def test_routing_opens_and_follows_its_controls(qtbot, maths):
    tab = maths.routing
    for kind, steps in tab.steps.items():
        assert len(steps) == 3 and np.allclose(steps[-1].coupling.sum(1), 1.0)
        assert len(tab.panels[kind].paths) == 3 and len(tab.panels[kind].points.data) == 60
    _, hinton = tab.hardness_lines["hinton"].getData()
    assert np.all(np.diff(hinton) > 0)  # Hinton's growing logits harden the coupling
    tab.k.setValue(1)
    one = tab.steps["soft-kmeans"][-1]
    assert np.allclose(one.coupling, 1.0) and np.allclose(one.capsules[0], tab.inputs.mean(0))
    author = tab.steps["author"][-1].outputs[0]  # one capsule: the direction of the inputs' sum
    s = tab.inputs.sum(0)
    assert np.allclose(author / np.linalg.norm(author), s / np.linalg.norm(s))
    assert len(tab.panels["author"].paths) == 1
    tab.iterations.setValue(6)
    assert tab.shown.maximum() == 6 and tab.shown.value() == 6 and len(tab.steps["hinton"]) == 6


def test_dragging_a_point_reroutes(qtbot, maths):
    tab = maths.routing
    maths.tabs.setCurrentWidget(tab)
    qtbot.wait(50)
    points = tab.panels["author"].points
    before = tab.steps["author"][-1].coupling.copy()
    x, y = tab.inputs[7]
    miss = Drag((x + 50, y + 50), (x + 50, y + 50), start=True)
    points.mouseDragEvent(miss)
    assert miss.accepted is False  # not on a point: the view pans
    start = Drag((x, y), (x, y), start=True)
    points.mouseDragEvent(start)
    assert start.accepted
    points.mouseDragEvent(Drag((x, y), (-2.0, 2.0), finish=True))
    assert np.allclose(tab.inputs[7], (-2.0, 2.0))
    assert not np.allclose(tab.steps["author"][-1].coupling, before)
    assert np.allclose(tab.panels["hinton"].points.data["x"][7], -2.0)


# -- exports ---------------------------------------------------------------------------------

def test_every_plot_exports(qtbot, maths, tmp_path, monkeypatch):
    import gui.benches.maths.angles_tab as angles_tab
    import gui.widgets.export as export

    qtbot.waitUntil(lambda: maths.angles.swept is not None and len(maths.angles.swept["rows"]) == 13,
                    timeout=WAIT)
    written = []

    def target(parent, title, key, name, filters):
        path = tmp_path / f"{len(written):02d}-{name}"
        written.append(path)
        return path

    monkeypatch.setattr(export, "ask_save_path", target)
    monkeypatch.setattr(angles_tab, "ask_save_path", target)
    buttons = maths.findChildren(ExportButton)
    assert len(buttons) == 3 + 4 + 2 + 4  # angles (and its table apart), HSIC, EM, routing
    for button in buttons:
        for action in button.menu().actions():
            action.trigger()
    maths.angles._export_table()
    assert len(written) == 3 * len(buttons) + 1
    for path in written:
        if path.suffix == ".csv":
            assert len(pd.read_csv(path)) > 0, path.name
        else:
            assert path.stat().st_size > 1000, path.name
    table = pd.read_csv(written[-1])
    assert list(table["n"]) == [2, 3, 10, 20, 50, 100, 200, 1000]
