"""Compare: a grid of optimizer settings run one after another into the run list."""

import pytest
from PySide6.QtCore import Qt

from engine import params as prm
from engine.runs import compared_as, list_runs
from engine.train.bn_lab import BNLabParams
from gui.widgets.compare import CompareDialog, grid, label, parse_values
from tests.gui.widgets.helpers import legend_names

# the BN lab's plain MLP, one quick epoch: no probes after the first step, no sweep
QUICK = {"variants": "plain", "epochs": 1, "hidden": 16, "depth": 1, "probe_every": 1_000_000, "sweep": False,
         "power_iters": 1}


def spec(name):
    return {s.name: s for s in prm.specs(BNLabParams)}[name]


def test_values_are_parsed_by_the_field_type():
    assert parse_values(spec("accumulate"), "1, 100; 100") == [1, 100]
    assert parse_values(spec("lr"), "1e-3,3e-3") == [1e-3, 3e-3]
    assert parse_values(spec("schedule"), "1000:1,2000:0.1; none") == ["1000:1,2000:0.1", ""]
    with pytest.raises(prm.ParamError, match="whole number"):
        parse_values(spec("accumulate"), "1.5")
    with pytest.raises(prm.ParamError, match="not a number"):
        parse_values(spec("lr"), "fast")


def test_grid_is_every_combination():
    runs = grid({"optimizer": ["adam", "sgd"], "accumulate": [1, 100]})
    assert runs == [{"optimizer": "adam", "accumulate": 1}, {"optimizer": "adam", "accumulate": 100},
                    {"optimizer": "sgd", "accumulate": 1}, {"optimizer": "sgd", "accumulate": 100}]
    assert label({"accumulate": 100, "lookahead": True, "schedule": ""}) == \
        "accumulate = 100, lookahead = on, schedule = none"


def test_dialog_offers_the_optimizer_fields_and_checks_every_run(qtbot):
    dialog = CompareDialog(BNLabParams(optimizer="adam"))
    qtbot.addWidget(dialog)
    assert set(dialog.rows) == {"optimizer", "lr", "batch_size", "accumulate", "schedule", "weight_decay",
                                "layer_adaptation", "lookahead", "lazy", "ema"}
    assert not dialog.ok.isEnabled() and dialog.error.text() == ""  # nothing ticked yet: a hint, no error
    assert "Tick a setting" in dialog.count.text()
    opt = dialog.rows["optimizer"]
    assert [c for c, t in opt.options.items() if t.isChecked()] == ["adam"]  # the form's value
    dialog.rows["accumulate"].set([1, 100])
    assert dialog.ok.isEnabled() and dialog.count.text() == "2 runs, one after another"
    dialog.rows["lookahead"].vary.setChecked(True)  # off and on
    assert dialog.grid() == [{"accumulate": a, "lookahead": la} for a in (1, 100) for la in (False, True)]
    dialog.rows["lookahead"].vary.setChecked(False)
    dialog.rows["accumulate"].set([1, 0])  # below the field's minimum
    assert not dialog.ok.isEnabled() and "Accumulate batches (--accumulate) must be ≥ 1" in dialog.error.text()
    dialog.rows["accumulate"].set([1, 100])
    dialog.rows["schedule"].set(["abc", "10:1"])  # a schedule that cannot be read: refused before any run
    assert not dialog.ok.isEnabled() and "LR schedule (--schedule): 'abc'" in dialog.error.text()
    dialog.rows["schedule"].vary.setChecked(False)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == CompareDialog.DialogCode.Accepted
    assert dialog.changes == [{"accumulate": 1}, {"accumulate": 100}]


def start_compare(qtbot, bench, values, changes, monkeypatch=None):
    """Set the form, then compare: through the button and its dialog (filled as a user would) when
    ``monkeypatch`` is given, else straight to the queue."""
    bench.experiment.setCurrentIndex(bench.experiment.findData("bn-lab"))
    qtbot.waitUntil(lambda: bench.data_ok, timeout=20000)
    bench.form.set_values(values)
    said = []
    info = bench.messages.info
    bench.messages.info = lambda text: (said.append(text), info(text))
    order = []
    bench.driver.started.connect(lambda e: order.append(("started", e.run_id)))
    bench.driver.ended.connect(lambda: order.append(("ended",)))
    if monkeypatch is None:
        bench.compare.compare(bench.job, bench.params(), changes)
        return said, order

    def fill(dialog):
        for name in changes[0]:
            dialog.rows[name].set(list(dict.fromkeys(c[name] for c in changes)))
        dialog.ok.click()
        return dialog.result()

    monkeypatch.setattr(CompareDialog, "exec", fill)
    qtbot.mouseClick(bench.compare.button, Qt.MouseButton.LeftButton)
    return said, order


def wait_done(qtbot, bench):
    qtbot.waitUntil(lambda: not bench.compare.queue.active and not bench.busy, timeout=120000)


def test_compare_runs_each_setting_in_turn_and_overlays_them(qtbot, bench, monkeypatch):
    said, order = start_compare(qtbot, bench, {**QUICK, "batch_size": 8}, [{"accumulate": 1}, {"accumulate": 2}],
                                monkeypatch)
    assert not bench.compare.button.isEnabled()
    wait_done(qtbot, bench)
    assert [o[0] for o in order] == ["started", "ended", "started", "ended"]  # one after another
    first, second = order[0][1], order[2][1]
    by_id = {r.run_id: r for r in list_runs(bench.workspace)}  # ids started in one second sort by their tag
    runs = [by_id[first], by_id[second]]
    assert [r.status for r in runs] == ["completed", "completed"]
    assert [r.params["accumulate"] for r in runs] == [1, 2]
    assert [r.params["batch_size"] for r in runs] == [8, 8]  # the form's other settings kept
    assert "compare: run 1 of 2 (accumulate = 1)" in said and "compare: run 2 of 2 (accumulate = 2)" in said
    assert said[-1].startswith("compare: 2 runs done")
    assert {p.name for p in bench.runs.selected()} == {first, second}
    assert {first, second} <= bench.curves.runs()  # both overlaid
    legend = bench.compare.legend.text()
    assert bench.compare.legend.isVisible() and "accumulate = 1" in legend and "accumulate = 2" in legend
    assert bench.compare.button.isEnabled()
    steps = bench.driver.steps  # the pictures are the last run's: said, as two runs' curves are on screen
    assert steps.isVisible() and steps.label.text().startswith("Pictures of the latest run, accumulate = 2 · ")
    assert not steps.slider.isVisible()
    names = legend_names(bench.curves, "loss")  # the curves say which run is which, by what it changed
    assert names == [f"accumulate = 1 · {first[-6:]}", f"accumulate = 2 · {second[-6:]}"]
    assert [compared_as(by_id[r].path) for r in (first, second)] == ["accumulate = 1", "accumulate = 2"]
    assert [by_id[r].note for r in (first, second)] == ["accumulate = 1", "accumulate = 2"]  # in the run list
    bench.runs.select([])
    assert first not in bench.curves.runs()
    bench.curves._names.clear()  # as after a restart: only the run folder knows
    bench.runs.select([first])  # overlaid again from its folder (another day): still named so
    qtbot.waitUntil(lambda: f"accumulate = 1 · {first[-6:]}" in legend_names(bench.curves, "loss"), timeout=5000)
    assert steps.slider.isVisible() and steps.label.text().startswith(f"Pictures of {first}")  # its own
    bench.experiment.setCurrentIndex(bench.experiment.findData("vae"))
    assert not bench.compare.legend.isVisible()  # another experiment's runs are listed now


@pytest.mark.parametrize("button, status", [("stop", "stopped"), ("cancel", "cancelled")])
def test_stop_or_cancel_ends_the_queue(qtbot, bench, button, status):
    said, _ = start_compare(qtbot, bench, {**QUICK, "epochs": 500}, [{"lr": 0.01}, {"lr": 0.02}])
    qtbot.waitUntil(lambda: bench.controls.bar.value() > 0, timeout=30000)
    qtbot.mouseClick(getattr(bench.controls, button), Qt.MouseButton.LeftButton)
    wait_done(qtbot, bench)
    [run] = list_runs(bench.workspace)
    assert run.status == status and run.params["lr"] == 0.01
    assert f"compare: ended after run 1 of 2 ({status})" in bench.messages.text.text()
    assert not any("run 2 of 2" in s for s in said)
    assert bench.compare.button.isEnabled()


def test_a_failed_run_ends_the_queue(qtbot, bench):
    # BatchNorm cannot normalise a batch of one: the first run fails, the second never starts
    start_compare(qtbot, bench, {**QUICK, "variants": "plain,bn_after"}, [{"batch_size": 1}, {"batch_size": 8}])
    wait_done(qtbot, bench)
    [run] = list_runs(bench.workspace)
    assert run.status == "failed" and run.params["batch_size"] == 1
    assert bench.messages.level == "error" and "batch of one" in bench.messages.text.text()
