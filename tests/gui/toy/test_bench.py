"""A new bench costs one engine module, one registry line and a small GUI module:
the form, the CLI verb, progress, Cancel and messages come from the shared machinery."""

import json
from pathlib import Path

import pytest

from engine import registry
from gui import benches

TOY_GUI = Path(__file__).resolve().parents[2] / "toybench" / "gui_toy.py"


@pytest.fixture
def toy_registered(monkeypatch):
    monkeypatch.setattr(registry, "ENTRIES", registry.ENTRIES + (
        registry.Entry("toy-sum", "sum 1…n (a toy)", "tests.toybench.engine_toy:TOY", "task", "toy"),))
    monkeypatch.setattr(benches, "BENCHES", [*benches.BENCHES, ("Toy", "tests.toybench.gui_toy:ToyBench")])


def test_the_gui_module_is_small():
    assert len(TOY_GUI.read_text().splitlines()) < 60


def test_toy_verb_from_the_registry(toy_registered, capsys):
    from cli.main import main, usage

    assert "toy-sum" in usage()
    assert main(["toy-sum", "--n", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"sum": 10}
    with pytest.raises(SystemExit):
        main(["toy-sum", "--n", "0"])  # outside the declared range: one usage line


def test_toy_bench_in_the_window(qtbot, toy_registered, tmp_path):
    from gui.main_window import MainWindow

    window = MainWindow(tmp_path / "ws")
    qtbot.addWidget(window)
    [toy] = [b for b in window.benches if b.title == "Toy"]
    assert window.nav.item(window.nav.count() - 1).text() == "Toy"
    panel = toy.panel
    panel.form.set_values({"n": 30})
    panel.task.button.click()
    qtbot.waitUntil(lambda: panel.outcome.text() == "sum = 465", timeout=10000)
    panel.form.set_values({"n": 1000, "pause": 0.01})
    panel.task.button.click()
    qtbot.waitUntil(lambda: "/1000" in panel.task.status.text(), timeout=10000)
    panel.task.cancel.click()
    qtbot.waitUntil(lambda: not panel.runner.busy, timeout=10000)
    assert toy.messages.level == "info" and "cancelled" in toy.messages.message()
    assert panel.outcome.text() == "" and panel.task.button.isEnabled()
    panel.form.set_values({"n": 5, "pause": 0.0})
    panel.task.button.click()
    qtbot.waitUntil(lambda: panel.outcome.text() == "sum = 15", timeout=10000)
    window.close()
