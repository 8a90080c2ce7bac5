"""Bad input and interruptions on the command line: one line, the right exit code, no traceback,
and never a lost or half-written user file."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def cli(*args, **kw):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"}, **kw)


def one_error_line(out) -> str:
    assert "Traceback" not in out.stderr, out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:") or "error:" in line]
    assert len(errors) == 1, out.stderr
    return errors[0]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_parameters_are_refused(value):
    out = cli("rope", f"--length={value}")
    assert out.returncode == 2 and "finite" in one_error_line(out)


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-5", "1e9"])
def test_net_scale_must_be_sane(tmp_path, value):
    out = cli("ellipses", f"--unit-mm={value}", "--out", tmp_path / "net.svg")
    assert out.returncode == 2 and "(--unit-mm)" in one_error_line(out)
    assert not (tmp_path / "net.svg").exists()


def test_out_that_is_a_folder_is_refused_and_nothing_is_written_beside_it(tmp_path):
    for args in (("rope", "--out", tmp_path), ("ellipses", "--out", tmp_path)):
        out = cli(*args)
        assert out.returncode == 1 and "is a folder" in one_error_line(out)
    assert list(tmp_path.iterdir()) == []


def test_unknown_export_suffix_names_the_known_ones(tmp_path):
    out = cli("ellipses", "--out", tmp_path / "x.docx")
    assert out.returncode == 1 and ".svg" in one_error_line(out) and not (tmp_path / "x.docx").exists()


@pytest.mark.parametrize("config", ['{"job": "vae", "params": null}', "[1, 2]", "{not json", '{"job": "nope"}'])
def test_resume_of_a_damaged_run_says_which_file(tmp_path, config):
    run = tmp_path / "runs" / "20260101-000000-vae-abcd"
    run.mkdir(parents=True)
    (run / "config.json").write_text(config)
    out = cli("resume", run)
    assert out.returncode == 2 and "config.json" in one_error_line(out)


def test_interrupt_while_counting_keeps_the_old_table(tmp_path):
    from engine.corpus import generator

    corpus = generator.write(tmp_path / "big.txt", characters=3_000_000)
    table = tmp_path / "freq.tsv"
    table.write_text("old\t1\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "main.py", "count", str(corpus), "--tokenizer", "ngrams", "--n", "4",
                             "--workers", "2", "--out", str(table)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait for the workers to be counting
        time.sleep(0.5)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        if len(children) >= 2:
            time.sleep(1.5)
            break
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "cancelled" in err and "Traceback" not in err and "KeyboardInterrupt" not in err
    assert table.read_text(encoding="utf-8") == "old\t1\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_full_disk_keeps_the_old_file(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        target = disk / "net.pdf"
        target.write_bytes(b"%PDF old net")
        (disk / "filler").write_bytes(b"\0" * (80 * 1024))
        out = cli("rope", "--points", "100000", "--out", disk / "rope.csv")
        assert out.returncode == 1 and "rope.csv" in one_error_line(out)
        assert target.read_bytes() == b"%PDF old net"
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "net.pdf"]
    finally:
        subprocess.run(["umount", str(disk)])


def test_sample_refuses_a_folder_and_says_the_real_path(tmp_path):
    assert cli("train", "gan", "--data", "moons", "--points", "500", "--epochs", "1",
               "--workspace", tmp_path).returncode == 0
    [run] = list((tmp_path / "runs").iterdir())
    folder = tmp_path / "out"
    folder.mkdir()
    bad = cli("sample", run, "--n", "5", "--out", folder)
    assert bad.returncode == 1 and "is a folder" in one_error_line(bad)
    assert not (tmp_path / "out.npy").exists()
    good = cli("sample", run, "--n", "5", "--out", tmp_path / "noext")
    assert good.returncode == 0 and str(tmp_path / "noext.npy") in good.stdout
    assert (tmp_path / "noext.npy").is_file()


def test_json_output_is_one_object(tmp_path):
    out = cli("ellipses", "--json")
    assert out.returncode == 0 and isinstance(json.loads(out.stdout), dict)


def test_a_reader_that_goes_away_is_no_traceback():
    proc = subprocess.Popen([sys.executable, "main.py", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    proc.stdout.close()  # like `| head` exiting before the usage is written: the write meets a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and "Traceback" not in err, err
