"""Every engine writer goes through the atomic writer: on a full disk, Ctrl-C, or a folder as the
target, the old file stays byte for byte and no temporary remains; the printable net refuses an
absurd scale in one line."""

import math
import os

import numpy as np
import pytest

from engine.data import idx
from engine.io import OutputError
from engine.physics import ellipses
from engine.runs import RunStore
from engine.spectra import formats
from tests.engine.robustness.helpers import leftovers, one_line

SOLUTION = ellipses.solve(ellipses.EllipseParams(points=41))
SPECTRUM = formats.Spectrum(np.linspace(4000, 5000, 500), np.ones(500), np.ones(500), "s")

WRITERS = {
    "ellipses.csv": lambda path: ellipses.write_csv(SOLUTION, path),
    "ellipses.svg": lambda path: ellipses.write_net_svg(2.0, 1.0, path),
    "ellipses.pdf": lambda path: ellipses.write_net_pdf(2.0, 1.0, path),
    "ellipses.stl": lambda path: ellipses.write_stl(SOLUTION, path),
    "ellipses.obj": lambda path: ellipses.write_obj(SOLUTION, path),
    "spectrum.csv": lambda path: formats.write_csv(SPECTRUM, path),
    "images.idx.gz": lambda path: idx.write_idx(path, np.random.default_rng(0).integers(0, 256, (50, 8, 8), np.uint8)),
}
OLD = b"the user's old file\n"


@pytest.mark.parametrize("name", list(WRITERS))
def test_writes_the_file(tmp_path, name):
    WRITERS[name](tmp_path / name)
    assert (tmp_path / name).stat().st_size > 100 and leftovers(tmp_path) == []


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_folder_as_target_is_one_line(tmp_path, name):
    (tmp_path / name).mkdir()
    with pytest.raises(OutputError) as info:
        WRITERS[name](tmp_path / name)
    assert "is a folder" in one_line(info.value)
    assert (tmp_path / name).is_dir() and leftovers(tmp_path) == []
    with pytest.raises(OutputError, match="no such folder"):
        WRITERS[name](tmp_path / "missing" / name)


@pytest.mark.parametrize("fault", [KeyboardInterrupt(), OSError(28, "No space left on device")],
                         ids=["ctrl-c", "disk-full"])
@pytest.mark.parametrize("name", list(WRITERS))
def test_a_fault_before_the_rename_keeps_the_old_file(tmp_path, monkeypatch, name, fault):
    target = tmp_path / name
    target.write_bytes(OLD)

    def fail(fd):
        raise fault

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises((KeyboardInterrupt, OutputError)) as info:
        WRITERS[name](target)
    if isinstance(fault, OSError):
        assert "No space left on device" in one_line(info.value)
    assert target.read_bytes() == OLD and leftovers(tmp_path) == []


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_full_disk_keeps_the_old_file(small_disk, name):
    target = small_disk.path / name
    target.write_bytes(OLD)
    small_disk.fill(leave=0)
    with pytest.raises(OutputError) as info:
        WRITERS[name](target)
    one_line(info.value)
    assert target.read_bytes() == OLD and leftovers(small_disk.path) == []


def test_a_checkpoint_on_a_full_disk_keeps_the_previous_one(small_disk):
    store = RunStore.create(small_disk.path, "toy", {})
    store.save_checkpoint("last", {"task": {}, "step": 1})
    small_disk.fill(leave=0)
    with pytest.raises(OutputError):
        store.save_checkpoint("last", {"task": {"w": np.zeros(100_000)}, "step": 2})
    assert store.load_checkpoint("last")["step"] == 1 and leftovers(small_disk.path) == []


@pytest.mark.parametrize("unit", [math.inf, -math.inf, math.nan, 0.0, -5.0, 1e9, 1e-9, "abc", None])
@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_an_absurd_print_scale_is_one_line(tmp_path, unit, fmt):
    write = ellipses.write_net_svg if fmt == "svg" else ellipses.write_net_pdf
    with pytest.raises(ellipses.GlueError) as info:
        write(2.0, 1.0, tmp_path / f"net.{fmt}", unit)
    assert "unit_mm" in one_line(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_net_too_large_to_print_is_one_line(tmp_path):
    with pytest.raises(ellipses.GlueError) as info:
        ellipses.write_net_svg(1000.0, 500.0, tmp_path / "net.svg", 1000.0)  # a 4 km wide page
    assert "choose a smaller unit_mm" in one_line(info.value)
    ellipses.write_net_svg(2.0, 1.0, tmp_path / "net.svg", 0.5)  # the smallest sane scale still prints


def test_the_accepted_scale_matches_the_tasks_declared_range():
    from engine.params import specs
    from engine.physics.tasks import NetParams

    [spec] = [s for s in specs(NetParams) if s.name == "unit_mm"]
    assert (spec.minimum, spec.maximum) == ellipses.UNIT_MM
