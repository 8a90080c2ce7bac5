"""What the metrics the jobs report are called in words, what they mean, and
their fixed range where they have one: the one table every plot and list of
runs reads, so a curve is titled "Critic loss", not ``critic_loss``.

Names not in the table are composed: ``loss_bn_after`` reads "Loss · bn after"
(a known metric and a variant), anything else "Snake case" → "Snake case".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    title: str
    meaning: str = ""  # a tooltip: what the number is, its unit
    bounds: tuple[float, float] | None = None  # a fixed y-range (counts, shares): no log axis, no autoscale


METRICS: dict[str, Metric] = {
    "loss": Metric("Loss", "the objective the optimiser minimises"),
    "recon": Metric("Reconstruction loss", "the model's reconstruction term (VAE: −log p(x | z) per image; "
                    "VQ-VAE: mean squared error per pixel)"),
    "kl": Metric("KL divergence", "KL(q(z | x) ‖ p(z)) in nats, per image"),
    "acc": Metric("Accuracy", "share of correctly classified samples"),
    "macro_f1": Metric("Macro F1", "F1 score averaged over the classes, each class counting equally"),
    "critic_loss": Metric("Critic loss", "the critic's (discriminator's) loss"),
    "generator_loss": Metric("Generator loss", "the generator's adversarial loss"),
    "swd": Metric("Sliced Wasserstein distance",
                  "between real and generated samples, averaged over 128 random directions (data units)"),
    "modes": Metric("Modes covered (of 8)", "modes of the 8-Gaussian ring holding ≥ 2 % of the generated "
                    "points within 3σ of their centre: 8 means no mode collapse", (0.0, 8.0)),
    "off_mode": Metric("Off-mode share", "share of generated points farther than 3σ from every mode", (0.0, 1.0)),
    "x_recon": Metric("Reconstruction of x", "mean (x − G(E(x)))², the stop-gradient term on images"),
    "z_recon": Metric("Reconstruction of z", "mean (z − E(G(z)))², the stop-gradient term on codes"),
    "recon_mse": Metric("Reconstruction MSE", "mean squared error of x against G(E(x)), per pixel"),
    "js_global": Metric("Global mutual information (JS)", "Jensen–Shannon estimate of I(x; z)"),
    "js_local": Metric("Local mutual information (JS)", "Jensen–Shannon estimate between z and local features"),
    "knn_acc": Metric("k-NN accuracy", "share of validation images whose nearest neighbours in feature space "
                      "mostly have their label", (0.0, 1.0)),
    "knn_local": Metric("k-NN accuracy (local features)", "the same on the local feature maps", (0.0, 1.0)),
    "perplexity": Metric("Code perplexity", "exp(entropy) of the code usage: the number of codes in "
                         "effective use (all codes when used equally)"),
    "commit": Metric("Commitment loss", "mean (z − sg(e))²: keeps the encoder near its codes (×β in the loss)"),
    "codebook": Metric("Codebook loss", "mean (sg(z) − e)²: pulls the codes to the encoder outputs"),
    "restarted": Metric("Codes restarted", "dead codes moved onto encoder outputs so far"),
    "pair_top2": Metric("Pairs: both digits top 2", "share of two-digit images whose two highest capsule "
                        "lengths are the two digits", (0.0, 1.0)),
    "pair_confident": Metric("Pairs: both digits > 0.5", "share of two-digit images whose two digits both "
                             "have capsule length above 0.5", (0.0, 1.0)),
    "lambda_max": Metric("Sharpness λ_max", "largest Hessian eigenvalue of the loss"),
    "beta": Metric("β-smoothness", "largest ratio of the gradient's change to the step's length along the "
                   "gradient, over the probed step sizes"),
    "band_lo": Metric("Loss band (low)", "lowest loss after steps of the probed sizes along the gradient"),
    "band_hi": Metric("Loss band (high)", "highest loss after steps of the probed sizes along the gradient"),
    "grad_lo": Metric("Gradient change (low)", "smallest change of the gradient over the probed step sizes"),
    "grad_hi": Metric("Gradient change (high)", "largest change of the gradient over the probed step sizes"),
}


def metric(name: str) -> Metric:
    """The table's entry, or one composed from a known prefix, or the name in words."""
    if name in METRICS:
        return METRICS[name]
    for known in sorted(METRICS, key=len, reverse=True):
        if name.startswith(known + "_"):
            base = METRICS[known]
            variant = name[len(known) + 1:].replace("_", " ")
            return Metric(f"{base.title} · {variant}", base.meaning, base.bounds)
    words = name.replace("_", " ").strip()
    return Metric(words[:1].upper() + words[1:])
