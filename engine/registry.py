"""Every job the workbench runs, by the name the command line and the benches use.

One line per job.  Entries name their module as a string and are imported only
when used, so ``python main.py count …`` loads the corpus code and nothing else
(no torch), and ``python main.py --help`` lists every verb without importing
any of them.  ``kind`` is "train" for jobs with run folders (``train <name>``,
``resume``, ``runs``) and "task" for everything else (a verb of its own).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    name: str
    help: str  # one line for --help and menus
    target: str  # "package.module:ATTRIBUTE", the Job or TaskSpec
    kind: str  # "train" or "task"
    bench: str = ""  # the bench that shows it
    aliases: tuple[str, ...] = ()  # older verb names that keep working

    def load(self) -> Any:
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)


ENTRIES: tuple[Entry, ...] = (
    Entry("vae", "variational autoencoder (kexue.fm/archives/5253)", "engine.train.vae:JOB", "train", "models"),
    Entry("vqvae", "VQ-VAE (6760)", "engine.train.vqvae:JOB", "train", "models"),
    Entry("gan", "GAN: standard, WGAN-GP, WGAN-div, GAN-QP (6139, 6163, 7105)", "engine.train.gan:JOB", "train",
          "models"),
    Entry("bigan-qp", "BiGAN-QP (6214)", "engine.train.bigan:JOB", "train", "models"),
    Entry("dae", "denoising autoencoder sampler (7038)", "engine.train.dae:JOB", "train", "models"),
    Entry("infomax", "Deep INFOMAX (6024, 6088)", "engine.train.infomax:JOB", "train", "models"),
    Entry("capsule", "capsule network vs CNN, two-digit test (5112)", "engine.train.capsule:JOB", "train", "models"),
    Entry("bn-lab", "the same network with and without BatchNorm: landscape, β-smoothness, λmax (6992)",
          "engine.train.bn_lab:JOB", "train", "models"),
    Entry("verse", "couplet VAE that writes five-character couplets (5332)", "engine.train.verse:JOB", "train",
          "verse"),
    Entry("spectra", "Conv1D spectral classifier (5505)", "engine.spectra.training:JOB", "train", "spectra",
          aliases=("spectra-train",)),
    Entry("count", "word frequencies of a corpus, counted in parallel (7031)", "engine.corpus.tasks:COUNT",
          "task", "corpus"),
    Entry("discover", "new-word discovery (4256, 6920)", "engine.corpus.tasks:DISCOVER", "task", "corpus"),
    Entry("segment", "minimum-entropy segmentation (5597)", "engine.corpus.tasks:SEGMENT", "task", "corpus"),
    Entry("spectra-predict", "classify spectra with a trained run; writes a CSV", "engine.spectra.tasks:PREDICT",
          "task", "spectra"),
    Entry("spectra-export", "convert one spectrum file to wavelength,flux,ivar CSV", "engine.spectra.tasks:EXPORT",
          "task", "spectra"),
    Entry("rope", "equilibrium shape of a spinning rope (6784)", "engine.physics.tasks:ROPE", "task", "physics"),
    Entry("ellipses", "glue two elliptical sheets into a solid (6818)", "engine.physics.tasks:ELLIPSES", "task",
          "physics"),
    Entry("embed", "word vectors of a corpus: word2vec or JoSE (7006, SEEDS §16)", "engine.graph.tasks:EMBED", "task",
          "clusters"),
    Entry("cluster", "vectors or a graph → kNN graph → InfoMap modules (7006)", "engine.graph.tasks:CLUSTER", "task",
          "clusters"),
    Entry("angles", "angle between two random vectors in n dimensions (7076)", "engine.maths.tasks:ANGLES", "task",
          "maths"),
    Entry("hsic", "HSIC independence test on two columns of a table (6910)", "engine.maths.tasks:HSIC", "task",
          "maths"),
    Entry("em", "EM for a Gaussian mixture on columns of a table (5239)", "engine.maths.tasks:EM", "task", "maths"),
    Entry("bn-lab", "λmax of least squares before and after centring, by power iteration (6992, V13)",
          "engine.train.bn_lab:LIPSCHITZ", "task", "models"),
    Entry("download-mnist", "download the MNIST files into the cache", "engine.data.tasks:DOWNLOAD_MNIST", "task",
          "models"),
)

def entry(name: str, kind: str | None = None) -> Entry:
    """The entry of a job name or alias (of one kind: ``train bn-lab`` and the ``bn-lab`` verb
    share a name); KeyError when unknown."""
    for e in ENTRIES:
        if (name == e.name or name in e.aliases) and (kind is None or e.kind == kind):
            return e
    raise KeyError(name)


def entries(kind: str | None = None, bench: str | None = None) -> list[Entry]:
    return [e for e in ENTRIES if (kind is None or e.kind == kind) and (bench is None or e.bench == bench)]


def load(name: str, kind: str | None = None) -> Any:
    return entry(name, kind).load()


def training_jobs(bench: str | None = None) -> dict[str, Any]:
    """name → Job of every training entry (of one bench): imports them."""
    return {e.name: e.load() for e in entries("train", bench)}


def job_of_run(run_dir: Any, **changes: Any) -> tuple[Any, Any]:
    """(Job, params) recorded in a run folder, ``changes`` applied (``epochs=40``), to resume it or
    run it again; imports only that run's job.  A damaged or foreign config is one UserError."""
    from engine.jobs import resume_job
    from engine.runs import RunStore

    name, _ = RunStore.open(run_dir).job_and_params()
    known = [e for e in entries("train") if e.name == name]
    return resume_job(run_dir, {name: known[0].load()} if known else {}, **changes)
