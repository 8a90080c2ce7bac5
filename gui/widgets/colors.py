"""Stable colours: a run keeps its colour in every plot and every session."""

from __future__ import annotations

import hashlib

# Tableau 10, a palette that stays distinguishable for common colour-vision deficiencies
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def run_color(run_id: str) -> str:
    digest = hashlib.md5(run_id.encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def label_color(label: int) -> str:
    return PALETTE[int(label) % len(PALETTE)] if label >= 0 else "#888888"
