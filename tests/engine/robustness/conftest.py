"""Fixtures of the robustness tests: a small full disk, and a check that a folder holds no temporaries."""

import os
import subprocess
import uuid

import pytest


@pytest.fixture
def small_disk(tmp_path):
    """A 512 KiB tmpfs mounted in the test's folder (skipped where the test may not mount one).

    ``fill(leave)`` then fills it up to ``leave`` free bytes."""
    where = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(where)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")

    class Disk:
        path = where

        @staticmethod
        def fill(leave: int = 0) -> None:
            with open(where / ".filler", "ab", buffering=0) as fh:
                try:
                    while True:
                        free = os.statvfs(where).f_bavail * os.statvfs(where).f_frsize
                        if free <= leave:
                            break
                        fh.write(b"\0" * min(65536, max(free - leave, 1)))
                except OSError:  # full
                    pass

    try:
        yield Disk
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
