"""Stable, distinct colours: a run keeps its colour in every plot while it is shown,
and runs shown together never share one (while the palette lasts).

A run's first choice is a hash of its id (the same in every session); a plot
that shows it *claims* a colour for it, which is that first choice unless a run
already shown in the same group has it, else the next free colour of the
palette.  :func:`run_color` answers with the claimed colour, so a list of runs
colours a run as the curves do."""

from __future__ import annotations

import hashlib
from collections import Counter

# Tableau 10, a palette that stays distinguishable for common colour-vision deficiencies
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")

_claims: dict[object, dict[str, str]] = {}  # group (a plot panel) → run → colour


def _first_choice(run_id: str) -> int:
    return hashlib.md5(run_id.encode()).digest()[0] % len(PALETTE)


def run_color(run_id: str) -> str:
    """The colour a panel claimed for the run, else its hashed first choice."""
    return claimed_color(run_id) or PALETTE[_first_choice(run_id)]


def claimed_color(run_id: str) -> str | None:
    """The colour a panel claimed for the run; None while no panel draws it (a run list's
    swatch then shows nothing, rather than a colour a drawn run may be wearing)."""
    for claims in _claims.values():
        if run_id in claims:
            return claims[run_id]
    return None


def claim_run_color(run_id: str, group: object) -> str:
    """The run's colour in ``group``: kept until released, distinct from the group's other runs
    while fewer than ten are shown (then the least used), the same as another group's if one
    already shows the run."""
    claims = _claims.setdefault(group, {})
    if run_id in claims:
        return claims[run_id]
    shown_elsewhere = [c[run_id] for c in _claims.values() if run_id in c]
    used = Counter(claims.values())
    start = _first_choice(run_id)
    order = [PALETTE[(start + k) % len(PALETTE)] for k in range(len(PALETTE))]
    colour = shown_elsewhere[0] if shown_elsewhere and not used[shown_elsewhere[0]] else \
        min(order, key=lambda c: used[c])  # the first of the least used, from the run's own choice on
    claims[run_id] = colour
    return colour


def release_run_color(run_id: str, group: object) -> None:
    claims = _claims.get(group, {})
    claims.pop(run_id, None)
    if not claims:
        _claims.pop(group, None)


def release_group(group: object) -> None:
    """Every claim of ``group`` (a panel that goes away)."""
    _claims.pop(group, None)


def label_color(label: int) -> str:
    return PALETTE[int(label) % len(PALETTE)] if label >= 0 else "#888888"
