"""The benches, in the order the window lists them: (title, "module:Class").

The main window builds its navigation from this list; a bench is added with one line."""

from __future__ import annotations

import importlib

BENCHES: list[tuple[str, str]] = [
    ("Models", "gui.benches.models:ModelsBench"),
    ("Spectra", "gui.benches.spectra:SpectraBench"),
    ("Corpus", "gui.benches.corpus:CorpusBench"),
    ("Physics", "gui.benches.physics:PhysicsBench"),
    ("Verse", "gui.benches.verse:VerseBench"),
    ("Maths", "gui.benches.maths:MathsBench"),
    ("Clusters", "gui.benches.clusters:ClustersBench"),
]


def load(target: str) -> type:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)
