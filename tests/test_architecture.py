"""The one rule of the house (DESIGN.md): engine imports neither gui nor cli nor Qt; gui never imports cli;
and the light verbs load no torch."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def modules(package: str) -> list[str]:
    return [p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
            for p in (ROOT / package).rglob("*.py")]


def imported_after(imports: list[str]) -> set[str]:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in imports) +
            "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_engine_imports_no_qt_no_gui_no_cli():
    bad = imported_after(modules("engine")) & {"PySide6", "pyqtgraph", "gui", "cli", "shiboken6"}
    assert not bad


def test_gui_does_not_import_cli():
    assert "cli" not in imported_after(modules("gui"))


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["count", "{corpus}", "--out", "{tmp}/f.tsv", "--workers", "1"],
    ["discover", "{corpus}", "--out", "{tmp}/w.tsv", "--min-count", "2"],
    ["segment", "{corpus}", "--out", "{tmp}/s.txt"],
    ["rope", "--json"],
    ["ellipses", "--json"],
    ["runs", "--workspace", "{tmp}"],
])
def test_light_verbs_never_import_torch(tmp_path, argv):
    corpus = tmp_path / "c.txt"
    corpus.write_text("北京大学的学生在图书馆学习\n" * 50, encoding="utf-8")
    args = [a.format(corpus=corpus, tmp=tmp_path) for a in argv]
    code = ("import sys, runpy\nsys.argv = ['main.py', *sys.argv[1:]]\n"
            "from cli.main import main\nrc = main(sys.argv[1:])\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)\nsys.exit(rc)\n")
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().endswith("NO-TORCH"), out.stderr
