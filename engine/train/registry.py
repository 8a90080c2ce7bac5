"""Every trainable experiment, by the name the CLI and the Models bench use."""

from __future__ import annotations

from engine.data import images, toy2d
from engine.jobs import Job
from engine.train import gan, vae

EXPERIMENTS: dict[str, Job] = {
    "vae": Job("vae", "Variational autoencoder", vae.VAEParams, vae.run,
               "The VAE of kexue.fm/archives/5253: MLP or conv encoder, Gaussian latent, KL to N(0, I).",
               metrics=("loss", "recon", "kl"), datasets=images.BUILTIN,
               pictures=("image_pairs", "scatter", "image_grid"), restore=vae.restore),
    "gan": Job("gan", "GAN (standard, WGAN-GP, WGAN-div, GAN-QP)", gan.GANParams, gan.run,
               "One GAN trainer with the loss as a choice (kexue.fm/archives/6139, 6163).",
               metrics=("critic_loss", "generator_loss", "swd"), datasets=(*toy2d.TOYS, *images.BUILTIN),
               pictures=("scatter", "image_grid"), summary_metric="swd", restore=gan.restore),
}
