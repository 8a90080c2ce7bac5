"""Every trainable experiment, by the name the CLI and the Models bench use."""

from __future__ import annotations

from engine.jobs import Job
from engine.train import vae

EXPERIMENTS: dict[str, Job] = {
    "vae": Job("vae", "Variational autoencoder", vae.VAEParams, vae.run,
               "The VAE of kexue.fm/archives/5253: MLP or conv encoder, Gaussian latent, KL to N(0, I).",
               metrics=("loss", "recon", "kl")),
}
