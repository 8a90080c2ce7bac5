"""Run every benchmark script in turn (``make bench``)."""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("live_plot_fps.py", "responsiveness.py", "engine_overhead.py", "gan_modes.py", "zoo_quality.py",
           "spectra_viewer_fps.py", "spectra_loading.py", "spectra_quality.py", "corpus_scale.py",
           "cli_startup.py", "verse_scale.py", "min_entropy_vs_nlpzero.py", "worker_process.py", "gui_cpu.py",
           "scatter_first_draw.py", "optim_overhead.py", "run_features.py", "freed_memory.py")

if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    for name in SCRIPTS:
        print(f"\n== {name}")
        sys.argv = [name]
        runpy.run_path(str(HERE / name), run_name="__main__")
