"""Optimizer wrappers' overhead (issue 16): the time of one training step
(forward, backward, update — the trainer's own ``train_step``) with each
wrapper, and with all of them stacked, over the same step with bare Adam, in
the same run.  Target ≤ 1.05× on the VAE (MLP, MNIST-sized images, batch 100)
and the spectra net (2,600-point spectra, batch 160).

The configurations take turns in a rotating order, five steps a turn (the
first warms the caches, as the steps of a run follow one another; the mean
of the other four, in this thread's CPU time, is the turn's figure), so a
busy machine slows them alike.  All the optimizers step the same model (so
both sides of a ratio run the same forward and backward over the same
memory).  A ratio is taken between the turns of one round on one model; the
median over rounds and three models is reported.  Accumulation over 4
batches costs one gradient addition per batch and one update per 4, so it is
usually faster than the bare step; "all stacked" includes it, as the issue's
target does, and "all but accumulation" (no target) shows what the other
five cost together — each makes its own pass over the weights, so their
costs add up.  On the VAE and the spectra net "lazy" marks every weight
matrix as an embedding (with the defaults no layer of these models is one;
on the VAE's random images 158 of the first layer's 256 rows have no
gradient and are held); ``--models verse`` times it where it belongs, the
poetry VAE's character table, and ``--models table`` on a bare 50,000-row
table, where it copies most of the table out and back each step.  A second
bare Adam is timed as a control: its ratio is the spread of the measurement
itself.

    python benchmarks/optim_overhead.py [--rounds 20] [--threads 1] [--models vae,spectra,verse,table] [--copies 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine import allocator  # noqa: E402
from engine.optim.build import build, named  # noqa: E402
from engine.spectra.training import SpectraParams, SpectraTask  # noqa: E402
from engine.text.verse import LENGTH  # noqa: E402
from engine.train.params import TrainBase  # noqa: E402
from engine.train.vae import VAEParams, VAETask  # noqa: E402
from engine.train.verse import VerseParams, VerseTask  # noqa: E402

INFORMATIVE = "all but accumulation"
CONFIGS: dict[str, dict] = {
    "adam": {},
    "adam (a second copy)": {},  # the control: how far two identical steps differ in this run
    "accumulate 4": {"accumulate": 4},
    "schedule": {"schedule": "1000:1,2000:0.1"},
    "weight decay": {"weight_decay": 0.01},
    "layer adaptation": {"layer_adaptation": True},
    "lookahead": {"lookahead": True},
    "lazy": {"lazy": True},
    "ema": {"ema": 0.999},
    # not a target (the "all stacked" includes accumulation): each wrapper's pass over the weights adds up
    INFORMATIVE: {"schedule": "1000:1,2000:0.1", "weight_decay": 0.01, "layer_adaptation": True,
                             "lookahead": True, "lazy": True, "ema": 0.999},
    "all stacked": {"accumulate": 4, "schedule": "1000:1,2000:0.1", "weight_decay": 0.01,
                    "layer_adaptation": True, "lookahead": True, "lazy": True, "ema": 0.999},
}


Model = tuple[Any, torch.Tensor, torch.Tensor, Callable[[dict], Any]]


def vae_model() -> Model:
    """The VAE trainer, a batch, and how to build an optimizer over its weights from extra fields."""
    torch.manual_seed(0)
    p = VAEParams(device="cpu", optimizer="adam")
    task = VAETask(p, (1, 28, 28), torch.device("cpu"), amp=False)
    x = torch.rand(p.batch_size, 1, 28, 28)
    return task, x, torch.zeros(p.batch_size, dtype=torch.long), lambda extra: build(
        VAEParams(device="cpu", optimizer="adam", **extra), task.model, lazy_rows=("weight",))


def spectra_model() -> Model:
    torch.manual_seed(0)
    p = SpectraParams(device="cpu")
    task = SpectraTask(p, ["star", "galaxy", "qso", "unknown"], torch.device("cpu"))
    x = torch.randn(p.batch_size, 2600)
    return task, x, torch.randint(4, (p.batch_size,)), lambda extra: build(
        SpectraParams(device="cpu", **extra), task.model, lazy_rows=("weight",))


def verse_model() -> Model:
    """The poetry VAE: lazy rows' own case, a character table (6,000 characters, as the quatrains
    hold) of which a batch of 64 couplets uses at most 640 rows."""
    torch.manual_seed(0)
    p = VerseParams(device="cpu")
    task = VerseTask(p, "".join(chr(0x4E00 + i) for i in range(6000)), torch.device("cpu"))
    x = torch.randint(6000, (p.batch_size, LENGTH))
    return task, x, torch.zeros(p.batch_size, dtype=torch.long), lambda extra: build(
        VerseParams(device="cpu", **extra), task.model)


class _Table:
    """A bag-of-embeddings classifier: a 50,000 × 128 table under a linear head, 512 texts of 20
    tokens a batch — lazy rows' hardest case, most rows absent and little else to compute."""

    def __init__(self) -> None:
        self.model = torch.nn.Sequential(torch.nn.Embedding(50_000, 128), torch.nn.Linear(128, 10))
        self.opt: Any = None

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        table, head = self.model
        loss = torch.nn.functional.cross_entropy(head(table(x).mean(1)), y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach()}


def table_model() -> Model:
    torch.manual_seed(0)
    task = _Table()
    names = named(model=task.model)
    return task, torch.randint(50_000, (512, 20)), torch.randint(10, (512,)), lambda extra: build(
        TrainBase(optimizer="adam", **extra), names)


def measure(make: Callable[[], Model], rounds: int, copies: int, block: int) -> dict[str, tuple[float, float]]:
    """(step time, ratio to bare Adam) per configuration.

    Every configuration's optimizer is built over the same model, so both sides of a ratio
    run the same forward and backward over the same memory (two separately built models
    differ by up to 6 % here, as their pages happen to fall); ``copies`` such models.  The
    optimizers take turns in a rotating order, each for ``block`` consecutive steps of which
    the first warms the caches and the rest are timed, as the steps of a run follow one
    another.  A turn's figure is its mean step; a ratio is taken between turns of one round
    on one model (the machine's load drifts slower than a round), and the median over rounds
    and models is reported, as is the median step."""
    turns = []
    for copy in range(copies):
        task, x, y, optimizer = make()
        turns += [(name, copy, task, x, y, optimizer(extra)) for name, extra in CONFIGS.items()]
    steps: dict[str, list[float]] = {name: [] for name in CONFIGS}
    ratios: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for i in range(rounds + 2):  # the first rounds warm up (allocations, the optimizers' lazy state)
        mean = {}
        for j in [*range(i % len(turns), len(turns)), *range(i % len(turns))]:
            name, copy, task, x, y, task.opt = turns[j]
            for k in range(block):
                if k == min(1, block - 1):
                    t0 = time.thread_time()
                float(task.train_step(x, y)["loss"])
            mean[name, copy] = (time.thread_time() - t0) / max(1, block - 1)  # an accumulation's whole cycle
        if i >= 2:
            for (name, copy), t in mean.items():
                steps[name].append(t)
                ratios[name].append(t / mean["adam", copy])
    return {name: (statistics.median(steps[name]), statistics.median(ratios[name])) for name in CONFIGS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20, help="turns each model takes (the spectra net: a quarter)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--models", default="vae,spectra", help="which models to time, comma-separated")
    ap.add_argument("--copies", type=int, default=3, help="models the VAE's optimizers are timed on (the "
                                                            "spectra net's 2-second steps get one)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    worst = 0.0
    models = {"vae": ("VAE (MLP 784-256-2, batch 100)", vae_model, args.rounds, args.copies, 5),
              "spectra": ("spectra net (width 16, batch 160)", spectra_model, max(3, args.rounds // 4), 1, 1),
              "verse": ("poetry VAE (6,000-character table, 64 couplets)", verse_model, args.rounds, args.copies, 5),
              "table": ("50,000 × 128 embedding table and a linear head (not in the issue's target)", table_model,
                        args.rounds, args.copies, 5)}
    for key in args.models.split(","):
        label, make, rounds, copies, block = models[key.strip()]
        with allocator.kept():  # as a run's steps are (engine.jobs.execute)
            figures = measure(make, rounds, copies, block)
        print(f"\n{label}: bare Adam step {figures['adam'][0] * 1e3:.2f} ms CPU (medians over {rounds} rounds "
              f"on {copies} model{'s' if copies > 1 else ''})")
        for name, (t, ratio) in figures.items():
            target = not name.startswith("adam") and name != INFORMATIVE
            if target:
                worst = max(worst, ratio)
            flag = "   (no target)" if name == INFORMATIVE else "" if ratio <= 1.05 else "   > 1.05"
            print(f"  {name:22s} {t * 1e3:8.2f} ms   {ratio:5.3f}×{flag}")
    print(f"\nworst ratio {worst:.3f} (target ≤ 1.05)")


if __name__ == "__main__":
    main()
