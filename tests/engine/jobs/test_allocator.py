"""Freed memory kept in the process while a job runs (engine/allocator.py)."""

import dataclasses
import resource

import pytest
import torch

from engine import allocator
from engine.jobs import execute
from tests.engine.toy import TOY, ToyParams

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
    pages = BIG * 4 // resource.getpagesize()
    assert faults_of_reallocating(3) > pages  # glibc's defaults: every block from the kernel again
    with allocator.kept():
        faults_of_reallocating(20)  # the heap grows until the freed blocks take the next one (7 rounds here)
        assert faults_of_reallocating(5) < pages // 20


class FakeLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, option, value):
        self.calls.append(("mallopt", option, value))
        return 1

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


def test_a_job_runs_with_freed_memory_kept_and_gives_it_back_when_it_fails(monkeypatch, tmp_path):
    libc = FakeLibc()
    monkeypatch.setattr(allocator, "_LIBC", libc)
    seen = []
    failing = dataclasses.replace(TOY, run=lambda p, ctx: seen.append(list(libc.calls)) or 1 / 0)
    outcome = execute(failing, ToyParams(epochs=1), tmp_path)
    assert outcome.status == "failed"
    assert seen == [[("mallopt", -3, 1 << 30), ("mallopt", -1, 2**31 - 1)]]
    assert libc.calls[-1] == ("trim", 0)
