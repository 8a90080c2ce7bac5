"""The training jobs by name, as views of :mod:`engine.registry` (the one registry)."""

from __future__ import annotations

from engine.jobs import Job
from engine.registry import training_jobs

EXPERIMENTS: dict[str, Job] = training_jobs("models")  # the Models bench's
JOBS: dict[str, Job] = training_jobs()  # every job with run folders, for resuming and listing
