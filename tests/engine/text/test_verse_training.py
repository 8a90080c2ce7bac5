"""Training the couplet VAE through the shared loop, sampling a run, and playing with it (SEEDS.md §10)."""

import csv
import re

import numpy as np
import pytest
import torch

from engine import events as ev
from engine import registry
from engine.errors import UserError
from engine.jobs import execute
from engine.runs import RunStore
from engine.text import verse
from engine.train.sampling import sample_run
from engine.train.verse import JOB, SHOWN, Poet, Verse, VerseParams, VerseTask, export
from tests.engine.text.couplets import themed

COUPLET = re.compile(r"^.{5}，.{5}$")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verse")
    couplets = themed(400, seed=0)
    data = folder / "couplets.txt"
    data.write_text("\n".join(couplets) + "\n", encoding="utf-8")
    sink = ev.ListSink()
    p = VerseParams(data=str(data), epochs=10, lr=3e-3, device="cpu")
    out = execute(JOB, p, folder / "ws", [sink])
    assert out.status == "completed", out.error
    return out, sink, p, couplets


@pytest.fixture
def registered(monkeypatch):
    """The verse job in the registry, as the lead registers it (sample_run looks jobs up there)."""
    if "verse" not in {e.name for e in registry.entries("train")}:
        entry = registry.Entry("verse", "couplet VAE", "engine.train.verse:JOB", "train", "verse")
        monkeypatch.setattr(registry, "ENTRIES", (*registry.ENTRIES, entry))


def _accuracy(poet: Poet, couplets: list[str]) -> float:
    pairs = [(poet.reconstruct(c).replace("，", ""), c.replace("，", "")) for c in couplets]
    return float(np.mean([a == b for r, c in pairs for a, b in zip(r, c)]))


def test_held_out_accuracy_rises_and_loss_is_recon_plus_kl(trained):
    _, sink, _, _ = trained
    val = [e.values for e in sink.of(ev.Metrics) if e.phase == "val"]
    assert len(val) == 10
    assert val[-1]["acc"] > val[0]["acc"] + 0.05  # seeds 0, 1, 2 gain 0.16, 0.19, 0.09
    assert val[-1]["recon"] < val[0]["recon"]
    assert all(v["loss"] == pytest.approx(v["recon"] + v["kl"], rel=1e-5) for v in val)
    assert val[0]["recon"] == pytest.approx(10 * np.log(24), rel=0.1)  # ten uniform guesses among 24 characters


def test_reconstruction_of_training_couplets_improves_on_the_untrained_model(trained):
    out, _, p, couplets = trained
    poet = Poet.open(out.run_dir)
    vocab = RunStore(out.run_dir).config()["data"]["vocabulary"]
    torch.manual_seed(p.seed)
    untrained = Poet(VerseTask(p, vocab, torch.device("cpu")), [])
    sample = couplets[:60]
    assert _accuracy(poet, sample) > _accuracy(untrained, sample) + 0.15


def test_run_folder_holds_vocabulary_and_distinct_training_couplets(trained):
    out, _, _, couplets = trained
    data = RunStore(out.run_dir).config()["data"]
    assert data["vocabulary"] == "".join(sorted(set("".join(couplets).replace("，", ""))))
    assert data["shape"] == [10] and data["n"] == 400
    kept = (out.run_dir / "couplets.txt").read_text(encoding="utf-8").split()
    assert len(kept) == len(set(kept)) and set(kept) <= set(couplets)
    assert len(kept) >= len(set(couplets)) * 0.8  # the training share, without repeats


def test_the_panel_decodes_the_same_fixed_z_at_every_refresh(trained):
    out, sink, p, _ = trained
    panels = [a.payload["lines"] for a in sink.of(ev.Artifact) if (a.kind, a.name) == ("text", "couplets")]
    assert panels and all(len(lines) == SHOWN for lines in panels)
    task = JOB.restore(p, (10,), RunStore(out.run_dir).config()["data"]["vocabulary"])
    task.load_state_dict(RunStore(out.run_dir).load_checkpoint("last")["task"])
    task.train(False)
    with torch.no_grad():
        assert task.lines(task.fixed_z) == panels[-1]


def test_sample_verb_lines_are_ten_known_characters_and_follow_the_seed(trained, registered):
    out, _, _, couplets = trained
    vocab = set("".join(couplets)) - {"，"}
    lines = sample_run(out.run_dir, 20, seed=1)
    assert isinstance(lines, list) and len(lines) == 20
    assert all(COUPLET.match(s) and set(s.replace("，", "")) <= vocab for s in lines)
    assert sample_run(out.run_dir, 20, seed=1) == lines
    assert sample_run(out.run_dir, 20, seed=2) != lines


@pytest.mark.parametrize("temperature", [0.0, 1.5])
def test_generated_couplets_are_ten_known_characters_with_their_nearest(trained, temperature):
    out, _, _, couplets = trained
    poet = Poet.open(out.run_dir)
    verses = poet.generate(25, temperature=temperature, seed=4)
    assert len(verses) == 25 and all(isinstance(v, Verse) for v in verses)
    vocab = set(poet.vocabulary)
    assert all(COUPLET.match(v.line) and set(v.line.replace("，", "")) <= vocab for v in verses)
    assert [v.line for v in poet.generate(25, temperature=temperature, seed=4)] == [v.line for v in verses]
    training = poet.training
    for v in verses:  # brute force, position by position
        best = max(sum(a == b for a, b in zip(v.line.replace("，", ""), t)) for t in training)
        assert v.shared == best
        assert sum(a == b for a, b in zip(v.line.replace("，", ""), v.nearest.replace("，", ""))) == best


def test_a_training_couplet_is_its_own_nearest(trained):
    poet = Poet.open(trained[0].run_dir)
    line = verse.show(poet.training[7])
    assert poet.nearest([line]) == [(line, 10)]


def test_interpolation_runs_from_one_reconstruction_to_the_other(trained):
    poet = Poet.open(trained[0].run_dir)
    a, b = trained[3][0], trained[3][1]
    steps = poet.interpolate(a, b, steps=6)
    assert len(steps) == 6 and all(COUPLET.match(s) for s in steps)
    assert steps[0] == poet.reconstruct(a) and steps[-1] == poet.reconstruct(b)
    with pytest.raises(UserError, match="at least 2"):
        poet.interpolate(a, b, steps=1)


def test_unknown_characters_in_a_typed_couplet_are_named(trained):
    poet = Poet.open(trained[0].run_dir)
    with pytest.raises(UserError) as err:
        poet.reconstruct("春花秋月鑫，山水风云犇")
    assert "鑫" in str(err.value) and "犇" in str(err.value) and "春" not in str(err.value).split(":")[-1]
    with pytest.raises(UserError, match="not a five-character couplet"):
        poet.reconstruct("春花秋月")


def test_export_writes_text_and_csv(trained, tmp_path):
    verses = Poet.open(trained[0].run_dir).generate(3)
    export(verses, tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_text(encoding="utf-8").splitlines() == [v.line for v in verses]
    export(verses, tmp_path / "v.csv")
    rows = list(csv.reader((tmp_path / "v.csv").open(encoding="utf-8")))
    assert rows[0][0] == "couplet" and rows[1] == [verses[0].line, verses[0].nearest, str(verses[0].shared)]


def test_resume_continues_and_refuses_changed_poems(tmp_path):
    data = tmp_path / "c.txt"
    data.write_text("\n".join(themed(80, seed=6)) + "\n", encoding="utf-8")
    p = VerseParams(data=str(data), epochs=1, device="cpu")
    first = execute(JOB, p, tmp_path / "ws")
    sink = ev.ListSink()
    again = execute(JOB, VerseParams(data=str(data), epochs=2, device="cpu"), tmp_path / "ws", [sink],
                    resume_dir=first.run_dir)
    assert again.status == "completed" and [e.epoch for e in sink.of(ev.Metrics) if e.phase == "val"] == [1]
    data.write_text("\n".join(themed(80, seed=6)) + "\n龙凤龙凤龙，凤龙凤龙凤\n", encoding="utf-8")
    changed = execute(JOB, VerseParams(data=str(data), epochs=3, device="cpu"), tmp_path / "ws",
                      resume_dir=first.run_dir)
    assert changed.status == "failed" and "poems changed" in changed.error


def test_bad_poems_fail_the_run_with_one_line(tmp_path):
    bad = tmp_path / "seven.txt"
    bad.write_text("朝辞白帝彩云间，千里江陵一日还。\n", encoding="utf-8")
    out = execute(JOB, VerseParams(data=str(bad), epochs=1, device="cpu"), tmp_path / "ws")
    assert out.status == "failed" and "seven.txt" in out.error and "\n" not in out.error
    for data, message in (("", "no poems chosen"), (str(tmp_path / "gone.txt"), "no such file")):
        with pytest.raises(UserError, match=message):  # refused before a run folder is made
            execute(JOB, VerseParams(data=data, epochs=1, device="cpu"), tmp_path / "ws2")
    assert not (tmp_path / "ws2" / "runs").exists() or not any((tmp_path / "ws2" / "runs").iterdir())


def test_opening_another_kind_of_run_says_so(tmp_path):
    from tests.engine.toy import TOY, ToyParams

    out = execute(TOY, ToyParams(epochs=1), tmp_path)
    with pytest.raises(UserError, match="not a verse VAE"):
        Poet.open(out.run_dir)
