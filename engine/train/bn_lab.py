"""What BatchNorm does to the loss landscape, measured live (kexue.fm/archives/6992,
SEEDS.md §7; Santurkar et al. 2018, arXiv 1805.11604).

The post's argument: descent is guaranteed for η < 2/L where L is the
gradient's Lipschitz constant, and L grows with the inputs' second moment
|E[x⊗x]|₁ — so centring (and scaling) the inputs of each linear layer lowers
it.  Two things here:

* ``train bn-lab``: the same small MLP (the same initial linear weights)
  without BN, with BN after each linear layer (the usual place) and with BN
  before it (the post's implied design), trained side by side on the same
  batches.  Every ``probe_every`` steps, on the training batch and along the
  gradient g, as the paper measures them: the loss at θ − ηg for η over a
  range (its min–max band), the gradient predictiveness
  ‖∇L(θ) − ∇L(θ − ηg)‖ (its band), the effective β-smoothness
  max_η ‖∇L(θ) − ∇L(θ − ηg)‖ / ‖ηg‖, and the Hessian's largest eigenvalue by
  power iteration on Hessian-vector products.  Then an LR sweep trains each
  net from the same start at geometrically spaced rates and reports the
  largest that did not diverge.
* ``bn-lab`` (V13): least squares with x ~ N(m·1_d, I_d), whose Hessian
  E[xxᵀ] has λ_max = 1 + d·m² before centring and 1 after — measured by the
  same power iteration on sampled data.

Power iteration returns the eigenvalue of largest magnitude (with its sign),
which is the Hessian's spectral norm: the gradient-Lipschitz constant L.
Probes leave the weights, the gradients, the optimizer and BN's running
statistics exactly as they found them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engine.data import DataError
from engine.jobs import Job, JobContext
from engine.optim.build import build
from engine.params import ParamError, like, param
from engine.tasks import TaskContext, TaskSpec
from engine.train import precheck, setup
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainParams

VARIANT_TITLES = {"plain": "no BN", "bn_after": "BN after linear", "bn_before": "BN before linear"}  # for legends
VARIANTS = tuple(VARIANT_TITLES)
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
PROBED = ("band_lo", "band_hi", "grad_lo", "grad_hi", "beta", "lambda_max")  # per variant, at each probe


# -- the measurement both verbs share --------------------------------------------------------------------------
def lambda_max(loss_fn: Callable[[], torch.Tensor], params: Sequence[torch.Tensor], iters: int,
               generator: torch.Generator, tol: float = 1e-7) -> float:
    """The Hessian's eigenvalue of largest magnitude at ``params`` by power iteration on
    Hessian-vector products (double backward; the Hessian is never formed).

    Stops after ``iters`` products, or when the Rayleigh quotient vᵀHv changes by less than
    ``tol`` relatively."""
    grads = torch.autograd.grad(loss_fn(), params, create_graph=True)
    v = [torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device) for p in params]
    v = _unit(v)
    value = 0.0
    for i in range(iters):
        hv = torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)
        new = float(sum((a * b).sum() for a, b in zip(v, hv)))
        if all(not h.any() for h in hv):
            return 0.0
        v = _unit([h.detach() for h in hv])
        if i and abs(new - value) <= tol * abs(new):
            return new
        value = new
    return value


def _unit(v: list[torch.Tensor]) -> list[torch.Tensor]:
    norm = torch.sqrt(sum(t.pow(2).sum() for t in v))
    return [t / norm for t in v]


# -- V13: the bn-lab verb -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LipschitzParams:
    dim: int = param(10, "dimension d of the inputs x ~ N(m·1_d, I_d)", minimum=1, maximum=2000)
    mean: float = param(1.0, "mean m of every coordinate of x", minimum=-100.0, maximum=100.0)
    samples: int = param(100_000, "samples drawn", minimum=2, maximum=10_000_000)
    iters: int = param(500, "power iterations at most", minimum=1, maximum=100_000, label="Power iterations")
    seed: int = param(0, "random seed", minimum=0)


def lipschitz(p: LipschitzParams, ctx: TaskContext | None = None) -> dict[str, Any]:
    """λ_max of least squares' Hessian on sampled data, raw and mean-centred (V13)."""
    ctx = ctx or TaskContext()
    if p.samples * p.dim > 200_000_000:
        raise ParamError(f"{p.samples:,} samples × {p.dim} dimensions is too large; lower one of them")
    g = torch.Generator().manual_seed(p.seed)
    x = torch.randn(p.samples, p.dim, generator=g, dtype=torch.float64) + p.mean
    y = x @ torch.randn(p.dim, generator=g, dtype=torch.float64) + torch.randn(p.samples, generator=g,
                                                                             dtype=torch.float64)
    out: dict[str, Any] = {"dim": p.dim, "mean": p.mean, "samples": p.samples}
    if p.samples < 10 * p.dim:  # the sample covariance's spectrum spreads (Bai–Yin): its top sits near the edge
        ctx.warn(f"{p.samples:,} samples in {p.dim} dimensions: the sampled λ_max of the centred inputs is near "
                 f"(1 + √(d/n))² = {(1 + math.sqrt(p.dim / p.samples)) ** 2:.3g}, not 1; use ≥ {10 * p.dim:,} "
                 "samples")
    for i, (name, inputs) in enumerate([("raw", x), ("centred", x - x.mean(0))]):
        ctx.checkpoint()
        ctx.progress(i, 2, f"power iteration on the {name} inputs")
        out[f"lambda_max_{name}"] = _least_squares_lambda(inputs, y, p.iters, g)
    ctx.progress(2, 2, "done")
    out["predicted_raw"] = 1.0 + p.dim * p.mean ** 2
    out["predicted_centred"] = 1.0
    out["max_stable_lr_raw"] = 2.0 / out["lambda_max_raw"]
    out["max_stable_lr_centred"] = 2.0 / out["lambda_max_centred"]
    return out


def _least_squares_lambda(x: torch.Tensor, y: torch.Tensor, iters: int, g: torch.Generator) -> float:
    """λ_max of f(w) = ½·mean((xw − y)²) at w = 0 (the Hessian E[xxᵀ] is the same everywhere)."""
    w = torch.zeros(x.shape[1], dtype=x.dtype, requires_grad=True)
    return lambda_max(lambda: 0.5 * (x @ w - y).pow(2).mean(), [w], iters, g)


def _lipschitz_summary(r: Mapping[str, Any]) -> str:
    return (f"least squares, x ~ N({r['mean']:g}·1, I) in {r['dim']} dimensions, {r['samples']:,} samples\n"
            f"λ_max raw       {r['lambda_max_raw']:<10.4f} (1 + d·m² = {r['predicted_raw']:.6g}; "
            f"gradient descent stable for η < {r['max_stable_lr_raw']:.4g})\n"
            f"λ_max centred   {r['lambda_max_centred']:<10.4f} (1; stable for η < {r['max_stable_lr_centred']:.4g})")


LIPSCHITZ = TaskSpec(
    "bn-lab", "BN and the gradient's Lipschitz constant", LipschitzParams, lipschitz,
    "V13 of kexue.fm/archives/6992: the largest Hessian eigenvalue of least squares with x ~ N(m·1, I) "
    "before and after centring the inputs (1 + d·m² and 1), by power iteration on Hessian-vector products.",
    summary=_lipschitz_summary, to_json=dict)


# -- the training comparison ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BNLabParams(TrainParams):
    lr: float = like(TrainParams, "lr", 0.05)
    optimizer: str = like(TrainParams, "optimizer", "sgd")
    epochs: int = like(TrainParams, "epochs", 20)
    batch_size: int = like(TrainParams, "batch_size", 64, help="samples per step (BN needs at least 2)")
    variants: str = param(",".join(VARIANTS), "networks trained side by side: 'plain' (no BN), 'bn_after' "
                          "(BN after each linear layer), 'bn_before' (BN before it, the post's design)")
    hidden: int = param(100, "width of each hidden layer", minimum=2, maximum=8192)
    depth: int = param(3, "hidden layers", minimum=1, maximum=32)
    activation: str = param("relu", "activation of the hidden layers", choices=tuple(ACTIVATIONS))
    eta_min: float = param(0.05, "smallest step η along the gradient probed", minimum=1e-6, maximum=100.0,
                           label="Probe η min")
    eta_max: float = param(0.4, "largest step η along the gradient probed", minimum=1e-6, maximum=100.0,
                           label="Probe η max")
    probes: int = param(8, "step sizes probed between η min and η max", minimum=1, maximum=100)
    probe_every: int = param(5, "training steps between two probes of the landscape", minimum=1,
                             maximum=1_000_000)
    power_iters: int = param(20, "Hessian-vector products for λ_max at each probe", minimum=1, maximum=1000,
                             label="Power iterations")
    sweep: bool = param(True, "after training, find the learning rate where each network diverges",
                        label="LR sweep")
    sweep_min: float = param(0.01, "smallest learning rate of the sweep", minimum=1e-6, maximum=1e4)
    sweep_max: float = param(30.0, "largest learning rate of the sweep", minimum=1e-6, maximum=1e4)
    sweep_points: int = param(8, "learning rates tried, geometrically spaced", minimum=2, maximum=64)
    sweep_steps: int = param(200, "training steps at each rate of the sweep", minimum=10, maximum=1_000_000)


def variants(text: str) -> list[str]:
    names = [v.strip().replace("-", "_") for v in text.split(",") if v.strip()]
    bad = [v for v in names if v not in VARIANTS]
    if bad or not names:
        raise ParamError(f"variants: {', '.join(bad) or 'none given'}; choose from {', '.join(VARIANTS)}")
    return list(dict.fromkeys(names))


def network(variant: str, inputs: int, hidden: int, depth: int, classes: int, activation: str) -> nn.Sequential:
    """The MLP inputs → hidden × depth → classes, with BN after or before each linear layer."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = inputs
    for _ in range(depth):
        if variant == "bn_before":
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.Linear(width, hidden))
        if variant == "bn_after":
            layers.append(nn.BatchNorm1d(hidden))
        layers.append(ACTIVATIONS[activation]())
        width = hidden
    if variant == "bn_before":
        layers.append(nn.BatchNorm1d(width))
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def probe(net: nn.Module, x: torch.Tensor, y: torch.Tensor, etas: Sequence[float], iters: int,
          generator: torch.Generator) -> dict[str, float]:
    """The landscape along the gradient at the current weights, on the batch (x, y); the
    gradient is ``p.grad`` (the step's own), and nothing the training sees is changed."""
    params = [q for q in net.parameters() if q.grad is not None]
    g = [q.grad.detach().clone() for q in params]
    theta = [q.detach().clone() for q in params]
    buffers = [b.detach().clone() for b in net.buffers()]
    g_norm = float(torch.sqrt(sum(t.pow(2).sum() for t in g)))
    losses, changes, ratios = [], [], []
    try:
        for eta in etas:
            with torch.no_grad():
                torch._foreach_add_(params, g, alpha=-eta)
            loss = F.cross_entropy(net(x), y)
            moved = torch.autograd.grad(loss, params)
            with torch.no_grad():
                torch._foreach_copy_(params, theta)
            change = float(torch.sqrt(sum((a - b).pow(2).sum() for a, b in zip(g, moved))))
            losses.append(float(loss.detach()))
            changes.append(change)
            ratios.append(change / (eta * g_norm) if g_norm > 0 else 0.0)
        top = lambda_max(lambda: F.cross_entropy(net(x), y), params, iters, generator, tol=1e-4)
    finally:
        with torch.no_grad():
            torch._foreach_copy_(params, theta)
            for b, saved in zip(net.buffers(), buffers):
                b.copy_(saved)
    return {"band_lo": min(losses), "band_hi": max(losses), "grad_lo": min(changes), "grad_hi": max(changes),
            "beta": max(ratios), "lambda_max": top}


class BNLabTask(TrainTask):
    monitor = "loss"

    def __init__(self, p: BNLabParams, shape: tuple[int, ...], classes: int, device: torch.device) -> None:
        self.p, self.device = p, device
        self.names = variants(p.variants)
        self.nets: dict[str, nn.Module] = {}
        for v in self.names:  # the same initial linear weights for every variant (BN draws nothing)
            torch.manual_seed(p.seed)
            self.nets[v] = network(v, math.prod(shape), p.hidden, p.depth, classes, p.activation).to(device)
        self.opts = {v: build(p, net) for v, net in self.nets.items()}
        lo, hi = sorted((p.eta_min, p.eta_max))
        self.etas = np.linspace(lo, hi, p.probes).tolist()
        self.steps = 0
        self.latest: dict[str, float] = {}
        self.history: dict[str, list[float]] = {}

    def modules(self) -> Mapping[str, nn.Module]:
        return self.nets

    def optimizers(self) -> Mapping[str, Any]:
        return self.opts

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "steps": self.steps, "latest": dict(self.latest),
                "history": {k: list(v) for k, v in self.history.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.steps, self.latest = state.get("steps", 0), dict(state.get("latest", {}))
        self.history = {k: list(v) for k, v in state.get("history", {}).items()}

    def epoch_order(self, y: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """A shuffle, less its last sample when that would be a batch of one (BN cannot normalise it)."""
        order = torch.randperm(len(y), generator=generator)
        return order[:-1] if len(y) % self.p.batch_size == 1 and len(y) > 1 else order

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        probing = self.steps % self.p.probe_every == 0 or not self.latest
        out: dict[str, torch.Tensor] = {}
        if probing:
            self.history.setdefault("step", []).append(float(self.steps))
        for v, net in self.nets.items():
            loss = F.cross_entropy(net(x), y)
            opt = self.opts[v]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if probing:
                found = probe(net, x, y, self.etas, self.p.power_iters,
                              torch.Generator().manual_seed(self.p.seed * 1_000_003 + self.steps))
                for k, value in found.items():
                    self.latest[f"{k}_{v}"] = value
                    self.history.setdefault(f"{k}_{v}", []).append(value)
            opt.step()
            out[f"loss_{v}"] = loss.detach()
        self.steps += 1
        # the latest probe on every step, so the loop's means over a logging window stay means
        return {**out, **{k: torch.tensor(value) for k, value in self.latest.items()}}

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        values: dict[str, float] = {}
        for v, net in self.nets.items():
            logits = net(x)
            values[f"loss_{v}"] = float(F.cross_entropy(logits, y))
            values[f"acc_{v}"] = float((logits.argmax(1) == y).float().mean())
        values["loss"] = float(np.mean([values[f"loss_{v}"] for v in self.nets]))
        return values

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """The probes so far: per variant (rows) and probe (columns), the bands to fill between."""
        if not self.history:
            return
        payload: dict[str, Any] = {"variants": np.array(self.names), "etas": np.array(self.etas),
                                   "steps": np.array(self.history["step"], dtype=np.int64)}
        for k in PROBED:
            payload[k] = np.array([self.history[f"{k}_{v}"] for v in self.names], dtype=np.float64)
        yield "bands", "landscape", payload


def lr_sweep(p: BNLabParams, x: torch.Tensor, y: torch.Tensor, classes: int, ctx: JobContext) -> dict[str, Any]:
    """Train each variant from the same start for ``sweep_steps`` steps at each rate; a rate
    diverges when a loss is not finite or the last tenth's mean loss exceeds the first loss."""
    names = variants(p.variants)
    lrs = np.geomspace(p.sweep_min, p.sweep_max, p.sweep_points)
    final = np.full((len(names), len(lrs)), np.nan)
    diverged = np.zeros((len(names), len(lrs)), dtype=bool)
    tail = max(1, p.sweep_steps // 10)
    for i, v in enumerate(names):
        for j, lr in enumerate(lrs):
            ctx.checkpoint()
            ctx.progress(i * len(lrs) + j, len(names) * len(lrs), f"LR sweep: {v} at {lr:.3g}")
            torch.manual_seed(p.seed)
            net = network(v, math.prod(x.shape[1:]), p.hidden, p.depth, classes, p.activation).to(x.device)
            opt = build(dataclasses.replace(p, lr=float(lr)), net)
            order = torch.Generator().manual_seed(p.seed)
            losses = []
            for step in range(p.sweep_steps):
                idx = torch.randint(len(x), (min(p.batch_size, len(x)),), generator=order).to(x.device)
                loss = F.cross_entropy(net(x[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                losses.append(loss.detach())
                if step % 20 == 19 and not torch.isfinite(loss):
                    break
            seen = torch.stack(losses).cpu().numpy()
            finite = bool(np.isfinite(seen).all()) and len(seen) == p.sweep_steps
            final[i, j] = seen[-tail:].mean() if finite else np.inf
            diverged[i, j] = not finite or final[i, j] > seen[0]
        ctx.artifact("sweep", "lr_sweep", {"variants": np.array(names[:i + 1]), "lrs": lrs,
                                           "final_loss": final[:i + 1], "diverged": diverged[:i + 1]})
    ctx.progress(len(names) * len(lrs), len(names) * len(lrs), "LR sweep done")
    stable = {v: float(lrs[~diverged[i]].max()) if (~diverged[i]).any() else 0.0 for i, v in enumerate(names)}
    return {"lrs": lrs.tolist(), "final_loss": final.tolist(), "diverged": diverged.tolist(), "max_stable_lr": stable}


def _classes(y: np.ndarray, name: str) -> int:
    if (y < 0).any():
        raise DataError(f"{name}: the BN lab classifies, so it needs labelled images")
    return int(y.max()) + 1


def run(p: BNLabParams, ctx: JobContext) -> dict[str, Any]:
    names = variants(p.variants)
    if p.batch_size < 2 and names != ["plain"]:
        raise ParamError("BatchNorm cannot normalise a batch of one: use batch_size ≥ 2, or variants 'plain'")
    choice = setup.device(p.device, ctx)
    parts, _, fp = setup.load(p.data, seed=p.seed, val_fraction=p.val_fraction, images_for="BN lab")
    classes = _classes(np.concatenate([parts.y_train, parts.y_val]), fp["name"])
    setup.begin(ctx, choice, parts, fp, p.seed, f"BN lab ({', '.join(names)})", minimum=p.batch_size)
    task = BNLabTask(p, tuple(parts.x_train.shape[1:]), classes, choice.device)
    summary = fit(task, parts, ctx, choice.device, LoopSettings(p.batch_size, p.epochs), p.seed)
    if p.sweep and not ctx.control.stop_requested:
        x = torch.from_numpy(parts.x_train).to(choice.device)
        y = torch.from_numpy(parts.y_train).to(choice.device)
        sweep = lr_sweep(p, x, y, classes, ctx)
        summary.update({f"max_stable_lr/{v}": lr for v, lr in sweep["max_stable_lr"].items()})
        ctx.log("largest stable learning rate: " + ", ".join(f"{v} {lr:.3g}"
                                                              for v, lr in sweep["max_stable_lr"].items()))
    return summary


JOB = Job("bn-lab", "BN lab: the landscape with and without BatchNorm", BNLabParams, run,
    "kexue.fm/archives/6992 and Santurkar et al.: the same MLP without BN, with BN after and before each "
    "linear layer; along the gradient, the loss band, gradient predictiveness, β-smoothness and λ_max, "
    "then an LR sweep to where each diverges.",
    metrics=("loss", *(f"{m}_{v}" for m in ("loss", "acc", *PROBED) for v in VARIANTS)),
    datasets=("digits", "mnist"), pictures={"bands": "Loss landscape", "sweep": "Learning-rate sweep"}, summary_metric="loss",
    precheck=precheck.image_data(lambda p, shape, device: BNLabTask(p, shape, 10, device), images_for="BN lab"))
