"""The headless verbs, run as a user runs them."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


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


def test_rope_json(tmp_path):
    import json

    out = cli("rope", "--length", "3.690342", "--span", "2.968824", "--omega", "1", "--gravity", "0",
              "--json", "--out", str(tmp_path / "rope.csv"))
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert abs(d["max_radius"] - 1.0) < 1e-5 and abs(d["end_tension"] - 1.5) < 1e-5
    assert abs(d["min_tension"] - 1.0) < 1e-5 and len(d["curve"]) > 10 and len(d["curve"][0]) == 2
    assert (tmp_path / "rope.csv").read_text().startswith("s,z,r,tension")


def test_rope_with_no_solution_exits_with_one_line():
    out = cli("rope", "--length", "1", "--span", "2", "--omega", "1", "--gravity", "9.8", "--axis", "across")
    assert out.returncode == 1 and out.stderr.strip().startswith("error: a rope of length 1")


def test_ellipses_json_and_exports(tmp_path):
    import json

    out = cli("ellipses", "--a", "2", "--b", "1", "--json")
    d = json.loads(out.stdout)
    assert abs(d["x_extent"] - 1.569757) < 1e-6 and abs(d["quarter_perimeter"] - 2.422112) < 1e-6
    assert d["min_margin"] > -1e-9 and len(d["curve"][0]) == 3
    for suffix in ("csv", "svg", "pdf", "stl", "obj"):
        assert cli("ellipses", "--out", str(tmp_path / f"x.{suffix}")).returncode == 0
        assert (tmp_path / f"x.{suffix}").stat().st_size > 100
    bad = cli("ellipses", "--a", "1", "--b", "2")
    assert bad.returncode == 1 and "a ≥ b" in bad.stderr


def test_train_gan_with_a_loss(tmp_path):
    out = cli("train", "gan", "--loss", "wgan-div", "--data", "moons", "--points", "1000", "--epochs", "2",
              "--workspace", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "wgan-div GAN (1 critic step(s) per generator step) on moons" in out.stderr and "epoch 2 val  swd" in out.stderr


def test_sample_verb(tmp_path):
    import numpy as np

    assert cli("train", "vae", "--epochs", "1", "--workspace", str(tmp_path)).returncode == 0
    [run] = list((tmp_path / "runs").iterdir())
    out = cli("sample", str(run), "--n", "12", "--out", str(tmp_path / "s.npy"))
    assert out.returncode == 0, out.stderr
    assert np.load(tmp_path / "s.npy").shape == (12, 8, 8)
    bad = cli("sample", str(tmp_path), "--n", "3", "--out", str(tmp_path / "x.npy"))
    assert bad.returncode == 1 and bad.stderr.startswith("error:")


def test_zoo_verbs_as_the_issue_spells_them(tmp_path):
    import numpy as np

    runs = [
        ("vqvae", "--epochs", "1"),
        ("gan", "--loss", "gan-qp", "--cascading-rejection", "--data", "checkerboard", "--points", "1000",
         "--epochs", "1"),
        ("bigan-qp", "--data", "swissroll", "--points", "1000", "--epochs", "1"),
        ("dae", "--data", "moons", "--points", "1000", "--epochs", "1", "--langevin-steps", "5"),
        ("infomax", "--data", "digits", "--epochs", "1"),
    ]
    for args in runs:
        out = cli("train", *args, "--workspace", str(tmp_path / args[0]))
        assert out.returncode == 0 and "completed" in out.stderr, (args, out.stderr)
    [dae_run] = list((tmp_path / "dae" / "runs").iterdir())
    out = cli("sample", str(dae_run), "--n", "10", "--out", str(tmp_path / "dae.npy"))
    assert out.returncode == 0, out.stderr
    assert np.load(tmp_path / "dae.npy").shape == (10, 2)
    bad = cli("train", "vqvae", "--data", "moons", "--workspace", str(tmp_path / "bad"))
    assert bad.returncode == 1 and "need images" in bad.stderr


def test_spectra_verbs(tmp_path):
    import numpy as np

    from engine.spectra import synthetic

    out = cli("spectra-train", "--demo-size", "120", "--width", "4", "--batch-size", "32", "--ce-epochs", "1",
              "--f1-epochs", "1", "--steps-per-epoch", "2", "--workspace", str(tmp_path))
    assert out.returncode == 0 and "completed" in out.stderr, out.stderr
    [run] = list((tmp_path / "runs").iterdir())
    folder = tmp_path / "new"
    folder.mkdir()
    spectra = synthetic.generate(synthetic.SyntheticSpec(n=3, seed=4))
    for s in spectra:
        (folder / f"{s.id}.txt").write_text(",".join(f"{v:.4f}" for v in s.flux))
    pred = cli("spectra-predict", str(run), str(folder), "--out", str(tmp_path / "p.csv"))
    assert pred.returncode == 0, pred.stderr
    lines = (tmp_path / "p.csv").read_text().splitlines()
    assert lines[0] == "id,predicted,p_star,p_galaxy,p_qso,p_unknown" and len(lines) == 4
    exp = cli("spectra-export", str(folder / f"{spectra[0].id}.txt"), "--out", str(tmp_path / "e.csv"))
    assert exp.returncode == 0, exp.stderr
    table = np.genfromtxt(tmp_path / "e.csv", delimiter=",", names=True)
    assert np.allclose(table["wavelength"][[0, -1]], [3690, 9100]) and np.isnan(table["ivar"]).all()
    bad = cli("spectra-export", str(tmp_path / "nothing.fits"), "--out", str(tmp_path / "x.csv"))
    assert bad.returncode == 1 and bad.stderr.startswith("error:") and not (tmp_path / "x.csv").exists()
