"""Train the couplet VAE of SEEDS.md §10 (kexue.fm/archives/5332) and play with a trained run.

Defaults are the post's: hidden and latent 64, Adam, batch 64, 100 epochs.
Metrics: loss = recon + KL per couplet, and ``acc``, the share of held-out
characters the decoder gives back from the posterior mean (greedy).  Each
refresh draws couplets from the same fixed z's, so the form is seen to emerge.

The run folder holds what playing needs: the vocabulary (its characters in id
order) in config.json's data record, and the distinct training couplets in
``couplets.txt`` for the nearest-neighbour look-up that tells a new couplet
from a copied one.  "Nearest" is the training couplet with the most characters
in the same places, found by one sparse product of position-wise one-hot rows
(cost: the number of shared characters, not the size of the corpus).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import torch
from scipy import sparse

from engine import params as prm
from engine.data.images import Split, split_indices
from engine.errors import UserError
from engine.io import atomic_open, write_text
from engine.jobs import Job, JobContext
from engine.models.vae import gaussian_kl
from engine.models.verse_vae import VerseVAE, pick, reconstruction
from engine.optim.build import build
from engine.optim.stack import use_averages
from engine.params import like, param
from engine.runs import open_trained, trained_state
from engine.text import verse
from engine.text.verse import LENGTH
from engine.train import setup
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainParams

SHOWN = 10  # couplets drawn from fixed z's at each refresh
COUPLETS_FILE = "couplets.txt"


@dataclass(frozen=True)
class VerseParams(TrainParams):
    data: str = like(TrainParams, "data", "", help="poems: a text file (one poem, or one couplet, a line), a "
                     "chinese-poetry JSON file, or a folder of them")
    epochs: int = like(TrainParams, "epochs", 100, help="passes over the training couplets")
    batch_size: int = like(TrainParams, "batch_size", 64, help="couplets per step")
    kind: str = param("auto", "how to read the poems: 'auto' takes a folder or .json as chinese-poetry JSON and "
                      "anything else as text", choices=verse.KINDS, label="Format")
    simplify: bool = param(False, "convert traditional characters to simplified (OpenCC t2s) before extraction",
                           label="Traditional → simplified")
    hidden: int = param(64, "width of the character embedding and of the gated CNN layers", minimum=2,
                        maximum=4096, label="Hidden size")
    latent: int = param(64, "latent dimensions", minimum=1, maximum=4096, label="Latent size")


class VerseTask(TrainTask):
    monitor = "loss"

    def __init__(self, p: VerseParams, vocabulary: str, device: torch.device) -> None:
        self.p, self.vocabulary, self.device = p, vocabulary, device
        self.model = VerseVAE(len(vocabulary), LENGTH, p.hidden, p.latent).to(device)
        self.opt = build(p, self.model)
        self.fixed_z = torch.randn(SHOWN, p.latent, generator=torch.Generator().manual_seed(p.seed)).to(device)

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"vae": self.model}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"vae": self.opt}

    def _losses(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits, mu, logvar = self.model(x)
        return reconstruction(logits, x).mean(), gaussian_kl(mu, logvar).mean()

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        recon, kl = self._losses(x)
        loss = recon + kl
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach(), "recon": recon.detach(), "kl": kl.detach()}

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        recon, kl = self._losses(x)
        acc = (self.model.decode(self.model.encode(x)[0]).argmax(-1) == x).float().mean()
        return {"loss": float(recon + kl), "recon": float(recon), "kl": float(kl), "acc": float(acc)}

    def lines(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None) -> list[str]:
        """The couplets the decoder writes for z, as "xxxxx，xxxxx"."""
        ids = pick(self.model.decode(z.to(self.device)), temperature, generator).cpu().numpy()
        return [verse.show(s) for s in verse.decode(ids, self.vocabulary)]

    def sample(self, n: int) -> list[str]:
        """n couplets from z ~ N(0, I), decoded greedily as the post does."""
        with torch.no_grad():
            return self.lines(torch.randn(n, self.p.latent))

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        yield "text", "couplets", {"lines": self.lines(self.fixed_z)}


def restore(p: VerseParams, shape: tuple[int, ...], vocabulary: str) -> VerseTask:
    return VerseTask(p, vocabulary, torch.device("cpu"))


def precheck(p: VerseParams) -> None:
    """Before a run folder exists: the poems are named and there (reading them is the run's work)."""
    verse.source(p.data, p.kind)


def run(p: VerseParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    found = verse.load(p.data, p.kind, p.simplify, ctx)
    ctx.log(found.summary())
    vocabulary = found.vocabulary()
    if ctx.resume is not None:
        before = (ctx.store.config().get("data") or {}).get("vocabulary")
        if before is not None and before != vocabulary:
            raise UserError(f"{found.name}: the poems changed since this run started ({len(before):,} distinct "
                            f"characters then, {len(vocabulary):,} now); start a new run")
    ids = verse.encode(found.samples, vocabulary)
    train, val = split_indices(len(ids), p.val_fraction, p.seed, found.name)
    unlabelled = np.zeros(len(ids), dtype=np.int64)
    parts = Split(ids[train], unlabelled[train], ids[val], unlabelled[val])
    fingerprint = {"name": found.name, "source": str(Path(p.data).resolve()),
                   "sha256": hashlib.sha256("\n".join(found.samples).encode()).hexdigest(), "n": len(ids),
                   "poems": found.poems, "shape": [LENGTH], "vocabulary": vocabulary, "simplified": p.simplify}
    setup.begin(ctx, choice, parts, fingerprint, p.seed, "Verse VAE", minimum=1)
    distinct = dict.fromkeys(found.samples[i] for i in train)
    write_text(ctx.store.path / COUPLETS_FILE, "".join(verse.show(s) + "\n" for s in distinct))
    task = VerseTask(p, vocabulary, choice.device)
    return fit(task, parts, ctx, choice.device, LoopSettings(p.batch_size, p.epochs), p.seed)


JOB = Job("verse", "Couplet VAE (CNN + VAE poet)", VerseParams, run,
          "kexue.fm/archives/5332: gated CNN encoder and decoder around a 64-d Gaussian latent, trained on the "
          "five-character couplets of a poem collection; samples are new couplets.",
          metrics=("loss", "recon", "kl", "acc"), pictures={"text": "Couplets from fixed z's"}, summary_metric="acc",
          restore=restore,
          precheck=precheck)


# -- play -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verse:
    line: str  # "xxxxx，xxxxx"
    nearest: str  # the training couplet with most characters in place ("" when the run kept none)
    shared: int  # characters in the same places as in it: 10 is a copy


def _one_hot_rows(ids: np.ndarray, vocab: int) -> sparse.csr_matrix:
    """(N, 10·V) rows with a 1 at position·V + character for each of the ten positions."""
    n = len(ids)
    cols = (np.arange(LENGTH) * vocab + ids).ravel()
    return sparse.csr_matrix((np.ones(n * LENGTH, np.int16), cols, np.arange(0, n * LENGTH + 1, LENGTH)),
                             shape=(n, LENGTH * vocab))


class Poet:
    """A trained run ready to play: generate, interpolate, reconstruct."""

    def __init__(self, task: VerseTask, training: list[str]) -> None:
        self.task, self.training = task, training
        self.vocabulary = task.vocabulary
        ids = verse.encode(training, self.vocabulary)
        self._index = _one_hot_rows(ids, len(self.vocabulary)).T.tocsr()  # (10·V, M)

    @classmethod
    def open(cls, run_dir: Path | str) -> "Poet":
        store, cfg = open_trained(run_dir)
        name = Path(run_dir).name
        if cfg.get("job") != JOB.name:
            raise UserError(f"{name}: a '{cfg.get('job')}' run, not a verse VAE")
        vocabulary = (cfg.get("data") or {}).get("vocabulary")
        if not vocabulary:
            raise UserError(f"{name}: the run recorded no vocabulary (it failed before loading its poems)")
        task = restore(prm.from_dict(VerseParams, cfg["params"]), (LENGTH,), vocabulary)
        task.load_state_dict(trained_state(store))
        use_averages(task.optimizers().values())  # a run trained with an EMA plays with its average
        task.train(False)
        kept = store.path / COUPLETS_FILE
        return cls(task, verse.load(kept, "text").samples if kept.is_file() else [])

    def _ids(self, couplet: str) -> torch.Tensor:
        return torch.from_numpy(verse.encode([verse.parse_couplet(couplet)], self.vocabulary))

    def nearest(self, lines: list[str]) -> list[tuple[str, int]]:
        """(nearest training couplet, characters in place) for each "xxxxx，xxxxx"."""
        if not self.training:
            return [("", 0)] * len(lines)
        ids = verse.encode([verse.parse_couplet(s) for s in lines], self.vocabulary)
        shared = _one_hot_rows(ids, len(self.vocabulary)) @ self._index  # (N, M) counts of shared places
        best = np.asarray(shared.argmax(axis=1)).ravel()
        counts = shared.max(axis=1).toarray().ravel()
        return [(verse.show(self.training[b]), int(c)) for b, c in zip(best, counts)]

    @torch.no_grad()
    def generate(self, n: int, temperature: float = 0.0, seed: int = 0) -> list[Verse]:
        """n couplets from z ~ N(0, I): greedy (temperature 0, as the post) or sampled, each with
        its nearest training couplet."""
        if n < 1:
            raise UserError(f"ask for at least one couplet, not {n}")
        g = torch.Generator().manual_seed(seed)
        lines = self.task.lines(torch.randn(n, self.task.p.latent, generator=g), temperature, g)
        return [Verse(line, near, k) for line, (near, k) in zip(lines, self.nearest(lines))]

    @torch.no_grad()
    def interpolate(self, a: str, b: str, steps: int = 8) -> list[str]:
        """The couplets decoded along the straight line between the posterior means of a and b."""
        if steps < 2:
            raise UserError(f"an interpolation needs at least 2 steps, not {steps}")
        mu_a, mu_b = self.task.model.encode(torch.cat([self._ids(a), self._ids(b)]))[0]
        t = torch.linspace(0, 1, steps).unsqueeze(1)
        return self.task.lines((1 - t) * mu_a + t * mu_b)

    @torch.no_grad()
    def reconstruct(self, couplet: str) -> str:
        """The couplet decoded (greedily) from the posterior mean of the one typed."""
        return self.task.lines(self.task.model.encode(self._ids(couplet))[0])[0]


def export(verses: list[Verse], path: Path | str) -> None:
    """Write couplets: a .csv with line, nearest and shared; anything else one couplet a line."""
    if str(path).lower().endswith(".csv"):
        import csv

        with atomic_open(path, newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["couplet", "nearest_training_couplet", "shared_characters"])
            out.writerows((v.line, v.nearest, v.shared) for v in verses)
    else:
        write_text(path, "".join(v.line + "\n" for v in verses))
