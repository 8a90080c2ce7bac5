"""Every bench, every tab and every Models experiment at the default window size (1400×880):
nothing a user reads is cut off, and no panel shows another experiment's picture."""

import pytest

from gui.main_window import MainWindow
from gui.runner import TaskRunner
from tests.gui.shared.fit import clipped, every_tab


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(workspace=tmp_path / "ws")
    qtbot.addWidget(w)
    w.resize(1400, 880)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def settle(qtbot, window):
    """Let the work a view starts on its first show end, and the layout take in what it wrote."""
    runners = window.findChildren(TaskRunner)
    qtbot.waitUntil(lambda: not any(r.busy for r in runners), timeout=30000)
    qtbot.wait(30)


def test_nothing_is_cut_off_on_any_bench_or_tab(qtbot, window):
    assert window.width() == 1400  # every bench fits the default window
    found = []
    for row, bench in enumerate(window.benches):
        window.nav.setCurrentRow(row)
        for tab in every_tab(bench):
            settle(qtbot, window)
            found += [f"{bench.title} / {tab or 'first view'}: {c}" for c in clipped(bench)]
    assert not found, "\n".join(found)


def test_every_models_experiment_fits_and_shows_only_its_own_panels(qtbot, window):
    [models] = [b for b in window.benches if b.title == "Models"]
    window.nav.setCurrentRow(window.benches.index(models))
    found = []
    for i in range(models.experiment.count()):
        models.experiment.setCurrentIndex(i)
        settle(qtbot, window)
        job = models.job
        shown = {kind for kind, panel in models.panels.items() if panel.isVisible()}
        assert shown <= set(job.pictures), f"{job.title}: panels of another experiment {shown - set(job.pictures)}"
        found += [f"{job.title}: {c}" for c in clipped(models)]
    assert not found, "\n".join(found)


def test_empty_panels_carry_the_experiments_own_titles(qtbot, window):
    [models] = [b for b in window.benches if b.title == "Models"]
    for name, kind, title in (("vae", "image_grid", "Decoded manifold"), ("infomax", "image_grid", "Nearest neighbours"),
                              ("vqvae", "bars", "Code usage"), ("capsule", "bars", "Scores of the first pair")):
        models.experiment.setCurrentIndex(models.experiment.findData(name))
        panel = models.panels[kind]
        shown = panel.title.text if hasattr(panel, "title") and hasattr(panel.title, "text") else \
            panel.plot.getPlotItem().titleLabel.text
        assert shown == title, (name, kind)


def test_a_zero_with_a_meaning_says_it(qtbot):
    from dataclasses import dataclass

    from engine.params import param
    from gui.widgets.params_form import ParamsForm

    @dataclass(frozen=True)
    class P:
        top: int = param(0, "keep the most frequent words (0: all)", minimum=0)
        hidden: int = param(0, "width; 0: the author's (256)", minimum=0)
        epochs: int = param(0, "passes (0 is refused)", minimum=0)
        sigma: float = param(0.0, "largest σ (0: the largest distance)", minimum=0.0, maximum=10.0)

    form = ParamsForm(P)
    qtbot.addWidget(form)
    shown = {name: form.editors[name].text() for name in ("top", "hidden", "epochs", "sigma")}
    assert shown == {"top": "all", "hidden": "auto", "epochs": "0", "sigma": "auto"}
    form.set_values({"top": 5})
    assert form.editors["top"].text() == "5" and form.params().top == 5
