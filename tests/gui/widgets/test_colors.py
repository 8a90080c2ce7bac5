import hashlib

from gui.widgets.colors import (
    PALETTE,
    claim_run_color,
    claimed_color,
    release_group,
    release_run_color,
    run_color,
)


def first_choice(run_id: str) -> str:
    return PALETTE[hashlib.md5(run_id.encode()).digest()[0] % len(PALETTE)]


def test_claims_are_distinct_stable_and_seen_by_run_color():
    group = object()
    runs = [f"run-{i}" for i in range(10)]
    try:
        colours = {r: claim_run_color(r, group) for r in runs}
        assert sorted(colours.values()) == sorted(PALETTE)  # ten runs, ten colours
        assert all(run_color(r) == c == claimed_color(r) for r, c in colours.items())
        release_run_color("run-3", group)
        release_run_color("run-7", group)
        newcomer = claim_run_color("run-new", group)
        assert newcomer in (colours["run-3"], colours["run-7"])  # a freed colour, no clash
        assert all(claim_run_color(r, group) == colours[r] for r in runs if r not in ("run-3", "run-7"))
        eleventh = claim_run_color("run-11", group)
        assert eleventh in PALETTE  # the palette is spent: the least used
    finally:
        release_group(group)
    assert run_color("run-3") == first_choice("run-3")  # unclaimed: its hashed colour
    assert claimed_color("run-3") is None  # and no swatch in a run list: no drawn run's colour is repeated


def test_a_run_shown_in_two_panels_keeps_one_colour():
    a, b = object(), object()
    try:
        first = claim_run_color("shared", a)
        assert first == first_choice("shared")
        assert claim_run_color("shared", b) == first
    finally:
        release_group(a)
        release_group(b)
