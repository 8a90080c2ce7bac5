"""Freed memory kept in the process while a job runs (engine/allocator.py)."""

import pytest
import torch

from engine import allocator
from engine.jobs import execute
from tests.engine.toy import TOY, ToyParams, ToyTask

resource = pytest.importorskip("resource")  # POSIX: what the kept memory saves is counted in page faults

BIG = 16 << 20  # float32 numbers: a 64 MB block, above glibc's largest automatic mmap threshold (32 MB)
# (a tensor, not a numpy array: numpy asks for huge pages, 512 times fewer faults, which would hide the count)


def faults_of_reallocating(times: int) -> int:
    r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(times):
        a = torch.ones(BIG)  # allocated, touched, freed: an activation of one step
        del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0


@pytest.mark.skipif(allocator._LIBC is None, reason="glibc only")
def test_a_block_freed_and_made_again_costs_no_page_faults_while_kept():
    defaults = faults_of_reallocating(3)  # glibc's defaults: every block from the kernel again
    with allocator.kept():
        faults_of_reallocating(20)  # the heap grows until the freed blocks take the next one (7 rounds here)
        kept = faults_of_reallocating(3)
    # against the defaults, not a page count: with transparent huge pages always on, faults are 512 times fewer
    assert defaults > 0 and kept < defaults / 10


class FakeLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, option, value):
        self.calls.append(("mallopt", option, value))
        return 1  # accepted

    def malloc_trim(self, pad):
        self.calls.append(("trim", pad))
        return 1


def test_settings_go_back_and_memory_is_returned_only_when_the_last_job_ends(monkeypatch):
    libc = FakeLibc()
    monkeypatch.setattr(allocator, "_LIBC", libc)
    kept = [("mallopt", -3, 1 << 30), ("mallopt", -1, 2**31 - 1)]
    with allocator.kept():
        assert libc.calls == kept
        with allocator.kept():  # a second job at the same time (two trainings in one process)
            pass
        assert libc.calls == kept  # the first still runs
    assert libc.calls == kept + [("mallopt", -3, 128 * 1024), ("mallopt", -1, 128 * 1024), ("trim", 0)]


def test_a_training_loop_runs_with_freed_memory_kept_and_gives_it_back_when_it_fails(monkeypatch, tmp_path):
    libc = FakeLibc()
    monkeypatch.setattr(allocator, "_LIBC", libc)
    seen = []
    step = ToyTask.train_step
    monkeypatch.setattr(ToyTask, "train_step", lambda self, x, y: seen.append(list(libc.calls)) or step(self, x, y))
    outcome = execute(TOY, ToyParams(epochs=1, nan_at_step=2), tmp_path)  # a NaN loss ends the run failed
    assert outcome.status == "failed"
    assert seen[0] == [("mallopt", -3, 1 << 30), ("mallopt", -1, 2**31 - 1)]
    assert libc.calls[-1] == ("trim", 0)


def test_a_glibc_refusing_a_1_gib_threshold_gets_the_largest_it_takes(monkeypatch):
    libc = FakeLibc()
    libc.mallopt = lambda option, value: libc.calls.append(("mallopt", option, value)) or value <= 32 << 20
    monkeypatch.setattr(allocator, "_LIBC", libc)
    with allocator.kept():
        assert libc.calls[:2] == [("mallopt", -3, 1 << 30), ("mallopt", -3, 32 << 20)]
