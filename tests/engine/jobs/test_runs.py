import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from engine.jobs import execute
from engine.runs import (
    RunStore,
    WorkspaceError,
    compared_as,
    list_runs,
    mark_compared,
    read_metrics,
    read_notes,
    write_notes,
)
from tests.engine.toy import TOY, ToyParams


def test_run_folder_layout_and_config(tmp_path):
    out = execute(TOY, ToyParams(epochs=1), tmp_path)
    names = {p.name for p in out.run_dir.iterdir()}
    assert {"config.json", "metrics.jsonl", "status.json", "checkpoints", "artifacts"} <= names
    cfg = json.loads((out.run_dir / "config.json").read_text())
    assert cfg["job"] == "toy" and cfg["params"]["epochs"] == 1
    assert out.run_dir.parent.name == "runs" and "-toy-" in out.run_dir.name


def test_vae_config_records_seed_data_and_versions(tmp_path):
    from engine.train.registry import EXPERIMENTS
    from engine.train.vae import VAEParams

    out = execute(EXPERIMENTS["vae"], VAEParams(epochs=1, seed=7), tmp_path)
    cfg = RunStore(out.run_dir).config()
    assert cfg["seed"] == 7
    assert cfg["data"]["name"] == "digits" and len(cfg["data"]["sha256"]) == 64 and cfg["data"]["n"] == 1797
    assert cfg["versions"]["torch"] and cfg["versions"]["python"]


def test_killed_run_is_listed_as_interrupted_with_its_curves(tmp_path):
    code = (
        "import os, sys\n"
        "from engine.runs import RunStore\n"
        f"s = RunStore.create({str(tmp_path)!r}, 'vae', {{'params': {{}}}})\n"
        "s.append_metrics({'step': 1, 'epoch': 0, 'phase': 'train', 'loss': 2.5})\n"
        "s.append_metrics({'step': 2, 'epoch': 0, 'phase': 'train', 'loss': 2.0})\n"
        "open(s.path / 'metrics.jsonl', 'a').write('{\"step\": 3, \"ph')\n"  # torn line
        "os._exit(9)\n")
    subprocess.run([sys.executable, "-c", code], cwd=os.getcwd(), check=False)
    [info] = list_runs(tmp_path)
    assert info.status == "interrupted"
    assert info.final["train/loss"] == 2.0
    assert list(read_metrics(info.path)["step"]) == [1, 2]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions")
def test_unwritable_workspace_is_a_clear_error(tmp_path):
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(WorkspaceError, match="cannot create a run folder"):
            execute(TOY, ToyParams(), tmp_path)
    finally:
        tmp_path.chmod(stat.S_IRWXU)


def test_workspace_that_is_a_file_is_a_clear_error(tmp_path):
    f = tmp_path / "not-a-folder"
    f.write_text("x")
    with pytest.raises(WorkspaceError, match="cannot create a run folder"):
        execute(TOY, ToyParams(), f)


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    store = RunStore.create(tmp_path, "toy", {})
    store.save_checkpoint("last", {"task": {}, "step": 1})
    import engine.runs as runs

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runs.os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save_checkpoint("last", {"task": {}, "step": 2})
    monkeypatch.undo()
    assert store.load_checkpoint("last")["step"] == 1
    assert [p.name for p in store.checkpoints.iterdir()] == ["last.pt"]


def test_pictures_are_kept_through_the_run_thinned_and_read_back(tmp_path):
    from engine import events as ev
    from engine.runs import HISTORY, read_picture, saved_pictures

    store = RunStore.create(tmp_path, "toy", {"params": {}})
    for step in range(1, 121):
        store(ev.Artifact("r", step, "scatter", "latent", {"points": np.full((3, 2), step, np.float32),
                                                              "title": f"at {step}"}))
    store.close()
    steps = saved_pictures(store.path)[("scatter", "latent")]
    assert steps[0] == 1 and steps[-1] == 120 and HISTORY // 2 <= len(steps) <= HISTORY
    gaps = np.diff(steps)
    assert gaps.max() <= 2 * np.median(gaps)  # spread over the run, not bunched at its end
    shown = read_picture(store.path, "scatter", "latent", steps[5])
    np.testing.assert_array_equal(shown["points"], np.full((3, 2), steps[5], np.float32))
    assert shown["title"] == f"at {steps[5]}"
    assert read_picture(store.path, "scatter", "latent", 10_000) is None


def test_what_a_compare_changed_is_kept_beside_the_users_note(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    assert compared_as(run) == ""
    mark_compared(run, "lr = 0.01")
    assert compared_as(run) == "lr = 0.01" and read_notes(run) == {"note": "lr = 0.01", "tags": ()}
    write_notes(run, "diverged late", ["lr", "lr", " "])  # the user edits the note in the run list
    assert compared_as(run) == "lr = 0.01" and read_notes(run) == {"note": "diverged late", "tags": ("lr",)}
    mark_compared(run, "lr = 0.02")  # a user's note is never replaced
    assert compared_as(run) == "lr = 0.02" and read_notes(run)["note"] == "diverged late"
    (run / "notes.json").write_text("[1, 2]")  # damaged: nothing, no error
    assert compared_as(run) == ""
