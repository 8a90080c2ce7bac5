"""Every trainable experiment, by the name the CLI and the Models bench use."""

from __future__ import annotations

from engine.data import images, toy2d
from engine.jobs import Job
from engine.train import bigan, dae, gan, infomax, spectra, vae, vqvae

EXPERIMENTS: dict[str, Job] = {
    "vae": Job("vae", "Variational autoencoder", vae.VAEParams, vae.run,
               "The VAE of kexue.fm/archives/5253: MLP or conv encoder, Gaussian latent, KL to N(0, I).",
               metrics=("loss", "recon", "kl"), datasets=images.BUILTIN,
               pictures=("image_pairs", "scatter", "image_grid"), restore=vae.restore),
    "vqvae": Job("vqvae", "VQ-VAE", vqvae.VQVAEParams, vqvae.run,
                 "kexue.fm/archives/6760: a codebook of K vectors, straight-through gradients, codebook and "
                 "commitment losses; samples use the codes' frequencies at each position.",
                 metrics=("loss", "recon", "perplexity", "commit"), datasets=images.BUILTIN,
                 pictures=("image_pairs", "image_grid", "bars"), restore=vqvae.restore),
    "gan": Job("gan", "GAN (standard, WGAN-GP, WGAN-div, GAN-QP)", gan.GANParams, gan.run,
               "One GAN trainer with the loss as a choice (kexue.fm/archives/6139, 6163), and the "
               "cascading-rejection critic (7105).",
               metrics=("critic_loss", "generator_loss", "swd"), datasets=(*toy2d.TOYS, *images.BUILTIN),
               pictures=("scatter", "image_grid"), summary_metric="swd", restore=gan.restore),
    "bigan-qp": Job("bigan-qp", "BiGAN-QP", bigan.BiGANParams, bigan.run,
                    "kexue.fm/archives/6214: generator, encoder and a joint critic trained with the GAN-QP "
                    "potential, plus the two stop-gradient reconstruction terms.",
                    metrics=("critic_loss", "generator_loss", "x_recon", "z_recon", "swd", "recon_mse"),
                    datasets=(*toy2d.TOYS, *images.BUILTIN), pictures=("scatter", "image_grid", "image_pairs"),
                    summary_metric="recon_mse", restore=bigan.restore),
    "dae": Job("dae", "Denoising autoencoder sampler", dae.DAEParams, dae.run,
               "kexue.fm/archives/7038: a denoiser gives the score (r(y) − y)/σ²; annealed Langevin "
               "dynamics samples with it.",
               metrics=("loss", "swd"), datasets=(*toy2d.TOYS, *images.BUILTIN),
               pictures=("field", "image_grid", "image_pairs"), summary_metric="swd", restore=dae.restore),
    "infomax": Job("infomax", "Deep INFOMAX", infomax.InfomaxParams, infomax.run,
                   "kexue.fm/archives/6024, 6088: an encoder trained to maximise global and local mutual "
                   "information (JS estimate) with a light prior term; nearest neighbours show its features.",
                   metrics=("loss", "js_global", "js_local", "kl", "knn_acc", "knn_local"), datasets=images.BUILTIN,
                   pictures=("image_grid", "scatter"), summary_metric="knn_acc"),
}

# every job with run folders, for resuming and listing: the Models bench's and the Spectra bench's
JOBS: dict[str, Job] = {**EXPERIMENTS, spectra.JOB.name: spectra.JOB}
