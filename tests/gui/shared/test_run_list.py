"""The run list as the hub: live rows, epochs done, differing settings as columns, notes and
tags kept with the run, a settings diff, export as .zip, the trash, and a past run's pictures
on screen with a slider back through them."""

import json
import zipfile

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from engine import events as ev
from engine.jobs import execute
from engine.runs import RunStore
from gui.widgets.job_driver import JobDriver
from gui.widgets.live_plot import MetricsPanel
from gui.widgets.message_bar import MessageBar
from gui.widgets.run_controls import RunControls
from gui.widgets.run_list import RunList
from tests.engine.toy import TOY, ToyParams


@pytest.fixture
def listed(qtbot, tmp_path):
    a = execute(TOY, ToyParams(epochs=2, batch_size=8), tmp_path).run_dir
    b = execute(TOY, ToyParams(epochs=3, batch_size=16), tmp_path).run_dir
    runs = RunList()
    qtbot.addWidget(runs)
    notices = []
    runs.notice.connect(lambda level, text: notices.append((level, text)))
    runs.set_workspace(tmp_path, "toy")
    return runs, a, b, notices


def column(runs, name):
    frame = runs.model.frame
    return dict(zip(frame["run"], frame[name]))


def test_epochs_done_and_the_settings_that_differ(listed):
    runs, a, b, _ = listed
    frame = runs.model.frame
    assert column(runs, "epochs") == {a.name: "2/2", b.name: "3/3"}
    assert column(runs, "batch_size") == {a.name: "8", b.name: "16"}
    assert "seed" not in frame.columns  # the same in both runs: no column
    assert "error" not in frame.columns


def test_note_and_tags_are_kept_with_the_run_and_filter_the_list(listed):
    runs, a, b, _ = listed
    row = list(runs.model.frame["run"]).index(a.name)
    tags = runs.model.index(row, list(runs.model.frame.columns).index("tags"))
    note = runs.model.index(row, list(runs.model.frame.columns).index("note"))
    assert runs.model.flags(tags) & runs.model.flags(tags).ItemIsEditable
    assert runs.model.setData(tags, "baseline, adam , baseline")
    assert runs.model.setData(note, "the first try")
    saved = json.loads((a / "notes.json").read_text())
    assert saved == {"note": "the first try", "tags": ["baseline", "adam"]}
    assert column(runs, "tags")[a.name] == "baseline, adam" and column(runs, "note")[a.name] == "the first try"
    runs.filter.setText("baseline")
    assert runs.proxy.rowCount() == 1 and runs.proxy.index(0, 0).data() == a.name


def test_settings_diff_lists_only_what_differs(listed):
    runs, a, b, _ = listed
    frame = runs.compare_settings(a, b).frame
    assert set(frame["setting"]) == {"epochs", "batch_size"}
    assert dict(zip(frame["setting"], frame[a.name])) == {"epochs": "2", "batch_size": "8"}


def test_export_as_zip_and_move_to_trash(listed, tmp_path, monkeypatch):
    runs, a, b, notices = listed
    target = tmp_path / "out" / "a.zip"
    target.parent.mkdir()
    runs.export_zip(a, target)
    names = zipfile.ZipFile(target).namelist()
    assert f"{a.name}/config.json" in names and f"{a.name}/metrics.jsonl" in names
    assert not any(n.endswith("/lock") for n in names) and notices[-1][0] == "info"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    runs.trash([b], confirm=False)
    assert not b.exists() and (tmp_path / "xdg" / "Trash" / "files" / b.name / "config.json").is_file()
    assert list(runs.model.frame["run"]) == [a.name] and "trash" in notices[-1][1]
    runs.export_zip(a, tmp_path / "no-such-folder" / "a.zip")
    assert notices[-1][0] == "error" and "no-such-folder" in notices[-1][1]


def test_a_past_runs_pictures_come_back_with_a_step_slider(qtbot, tmp_path):
    store = RunStore.create(tmp_path, "toy", {"params": {}})
    for step in (10, 20, 30):
        store(ev.Artifact("old", step, "scatter", "latent", {"points": np.full((2, 2), step, np.float32)}))
    store(ev.Artifact("old", 20, "bars", "usage", {"counts": np.arange(3)}))
    store.close()
    host = QWidget()
    qtbot.addWidget(host)
    drawn = []
    driver = JobDriver(host, RunControls(), MetricsPanel(), MessageBar(),
                       {"scatter": drawn.append, "bars": drawn.append})
    driver._on_artifact(ev.Artifact("live", 5, "scatter", "latent", {"points": np.zeros((2, 2))}))
    def last(kind):
        return [a for a in drawn if a.kind == kind][-1]

    driver.show_run(store.path)
    assert driver.steps.steps == [10, 20, 30] and driver.drawn == {"scatter", "bars"}
    assert float(last("scatter").payload["points"][0, 0]) == 30 and last("bars").step == 20  # the latest of each
    driver.steps.slider.setValue(0)
    assert last("bars").step == 20  # its first picture stands in before it was drawn
    assert last("scatter").step == 10 and "step 10" in driver.steps.label.text()
    assert float(last("scatter").payload["points"][0, 0]) == 10
    driver.show_run(None)  # back to the live run's pictures
    assert drawn[-1].run_id == "live" and driver.steps.isHidden()


def test_the_running_run_is_listed_when_it_starts_and_kept_current(qtbot, tmp_path):
    host = QWidget()
    qtbot.addWidget(host)
    runs = RunList()
    qtbot.addWidget(runs)
    runs.set_workspace(tmp_path, "toy")
    driver = JobDriver(host, RunControls(), MetricsPanel(), MessageBar(), {})
    runs.follow(driver)
    listed_at_start = []
    driver.started.connect(lambda e: listed_at_start.append(list(runs.model.frame["run"])))
    with qtbot.waitSignal(driver.ended, timeout=30000):
        driver.start(TOY, ToyParams(epochs=20), tmp_path, in_process=True)
    (run,) = runs.model.frame["run"]
    assert listed_at_start == [[run]]  # listed as soon as it started, before it ended
    assert column(runs, "epochs") == {run: "20/20"} and column(runs, "status") == {run: "completed"}
    assert runs.running is None and runs.resume_button.isEnabled() is False


def test_the_progress_bar_says_how_the_run_ended(qtbot, tmp_path):
    host = QWidget()
    qtbot.addWidget(host)
    controls = RunControls()
    driver = JobDriver(host, controls, MetricsPanel(), MessageBar(), {})
    with qtbot.waitSignal(driver.ended, timeout=30000):
        driver.start(TOY, ToyParams(epochs=2), tmp_path, in_process=True)
    assert controls.bar.format() == "completed at step 12" and controls.eta.text() == ""
    with qtbot.waitSignal(driver.ended, timeout=30000):
        driver.start(TOY, ToyParams(epochs=2, nan_at_step=3), tmp_path, in_process=True)
    assert controls.bar.format() == "failed at step 3" and controls.start.isEnabled()


def test_the_running_row_follows_its_events_without_reading_the_folder(listed, monkeypatch):
    runs, a, b, _ = listed
    runs.running = b.name
    monkeypatch.setattr("gui.widgets.run_list.list_runs", lambda *_: pytest.fail("read the workspace"))
    runs._live([ev.Metrics(b.name, 7, "train", 0, {"loss": 9.0}), ev.Metrics(b.name, 8, "val", 1, {"loss": 0.25})])
    assert column(runs, "epochs")[b.name] == "2/3" and column(runs, "Loss (val)")[b.name] == 0.25
    assert column(runs, "epochs")[a.name] == "2/2"  # the other rows stay


def test_parts_sent_once_stay_with_later_pictures(qtbot, tmp_path):
    thumbs = np.arange(8, dtype=np.uint8).reshape(2, 2, 2)
    store = RunStore.create(tmp_path, "toy", {"params": {}})
    store(ev.Artifact("old", 10, "scatter", "latent", {"points": np.zeros((2, 2)), "images": thumbs}))
    store(ev.Artifact("old", 20, "scatter", "latent", {"points": np.ones((2, 2))}))
    store.close()
    host = QWidget()
    qtbot.addWidget(host)
    drawn = []
    driver = JobDriver(host, RunControls(), MetricsPanel(), MessageBar(), {"scatter": drawn.append})
    driver.show_run(store.path)  # the latest picture, with the thumbnails of the first
    assert drawn[-1].step == 20 and float(drawn[-1].payload["points"][0, 0]) == 1
    np.testing.assert_array_equal(drawn[-1].payload["images"], thumbs)
    driver.show_run(None)
    driver._on_artifact(ev.Artifact("live", 1, "scatter", "latent", {"points": np.zeros((2, 2)), "images": thumbs}))
    driver._on_artifact(ev.Artifact("live", 2, "scatter", "latent", {"points": np.ones((2, 2))}))
    np.testing.assert_array_equal(drawn[-1].payload["images"], thumbs)
