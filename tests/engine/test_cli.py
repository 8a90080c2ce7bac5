"""The headless verbs, run as a user runs them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "main.py", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
                                            "HOME": str(ROOT)})


def test_train_vae_exact_words_then_runs(tmp_path):
    out = cli("train", "vae", "--data", "digits", "--epochs", "5", "--latent", "2", "--workspace", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "epoch 5 val" in out.stderr and "completed" in out.stderr
    [run] = list((tmp_path / "runs").iterdir())
    assert (run / "checkpoints" / "best.pt").is_file() and (run / "checkpoints" / "last.pt").is_file()
    listing = cli("runs", "--workspace", str(tmp_path))
    assert listing.returncode == 0 and run.name in listing.stdout and "completed" in listing.stdout
    assert "val/loss=" in listing.stdout


def test_resume_verb_extends_a_run(tmp_path):
    assert cli("train", "vae", "--epochs", "1", "--workspace", str(tmp_path)).returncode == 0
    [run] = list((tmp_path / "runs").iterdir())
    out = cli("resume", str(run), "--epochs", "2")
    assert out.returncode == 0, out.stderr
    assert "resumed" in out.stderr and "epoch 2 val" in out.stderr


def test_bad_file_exits_non_zero_with_one_line(tmp_path):
    (tmp_path / "junk-idx3-ubyte").write_bytes(b"\x01\x02\x03")
    out = cli("train", "vae", "--data", str(tmp_path / "junk-idx3-ubyte"), "--workspace", str(tmp_path))
    assert out.returncode == 1
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: junk-idx3-ubyte: not an IDX file (bad magic number)"]
    assert "Traceback" not in out.stderr


def test_unusable_workspace_exits_2(tmp_path):
    (tmp_path / "file").write_text("")
    out = cli("train", "vae", "--workspace", str(tmp_path / "file"))
    assert out.returncode == 2 and out.stderr.startswith("error: cannot create a run folder")


def test_help_documents_every_flag():
    out = cli("train", "vae", "--help")
    for flag in ("--data", "--arch", "--latent", "--epochs", "--batch-size", "--lr", "--optimizer",
                 "--seed", "--device", "--workspace"):
        assert flag in out.stdout
    assert "default: rmsprop" in out.stdout.replace("\n", " ")
