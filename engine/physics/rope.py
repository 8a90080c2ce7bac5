"""Equilibrium of a rope spinning about an axis (kexue.fm/archives/6784, SEEDS.md §17).

Set-up from the post: a uniform rope (linear density λ) whose ends are held on
a rotation axis a distance D apart, turning at ω in gravity g.  In the rotating
frame, with z along the axis, r the distance from it, s the arc length and
φ the tangent's angle to the axis, force balance d(T t)/ds + f = 0 with
f = (−λ g_ax, λ(ω² r + g_rad)) gives

    z' = cos φ,  r' = sin φ,
    T' = λ g_ax cos φ − λ(ω² r + g_rad) sin φ,
    T φ' = −λ (g_ax sin φ + (ω² r + g_rad) cos φ),

so T = C − ½λω²r² − λ g_rad r + λ g_ax z with a constant C.  "along" puts
gravity along the axis (a rope tied to a spinning rod, g_ax = g); "across" is
rope skipping at the lowest point of the turn (g_rad = g), the post's
reduction: gravity then adds to the centrifugal pull, the same as a g = 0 rope
about an axis shifted by g/ω².

Where the post goes wrong, this follows the physics (SEEDS.md §17.4): the
tension constant is solved for, not set to zero (C = 0 gives T < 0 when both
ends are on the axis), every solution is checked for T > 0, and the catenary
keeps its 1/a.  The shape and the two unknowns at the first end (angle and
tension) come from scipy's ``solve_bvp``; closed forms (catenary, troposkein
with elliptic integrals and Jacobi's sn, the small-amplitude sine) check it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_bvp
from scipy.optimize import brentq
from scipy.special import ellipe, ellipj, ellipk, ellipkm1

from engine.errors import UserError
from engine.params import param
from engine.tasks import TaskContext


class RopeError(UserError):
    pass


@dataclass(frozen=True)
class RopeParams:
    length: float = param(3.690342, "rope length L (m)", minimum=1e-6, maximum=1e4, slider=(0.5, 10.0), label="Length L")
    span: float = param(2.968824, "distance D between the ends along the axis (m)", minimum=0.0,
                        maximum=1e4, slider=(0.0, 8.0), label="End distance D")
    omega: float = param(1.0, "angular velocity ω (rad/s)", minimum=0.0, maximum=1e3, slider=(0.0, 20.0), label="ω")
    gravity: float = param(0.0, "gravitational acceleration g (m/s²)", minimum=0.0, maximum=1e3, slider=(0.0, 20.0), label="g")
    axis: str = param("along", "gravity along the rotation axis (rope on a spinning rod) or across it "
                      "(rope skipping, at the lowest point of the turn)", choices=("along", "across"))
    density: float = param(1.0, "linear density λ (kg/m)", minimum=1e-6, maximum=1e4, slider=(0.1, 5.0), label="Density λ")
    points: int = param(401, "points along the returned curve", minimum=11, maximum=100000)


@dataclass
class RopeSolution:
    s: np.ndarray  # arc length, 0 … L
    z: np.ndarray  # axial position
    r: np.ndarray  # distance from the axis
    tension: np.ndarray
    phi0: float  # angle of the rope to the axis at the first end (rad)
    constant: float  # C in T = C − ½λω²r² − λ g_rad r + λ g_ax z
    params: RopeParams

    @property
    def max_radius(self) -> float:
        return float(self.r.max())

    @property
    def axial_tension(self) -> float:
        """T cos φ at the first end; constant along the rope when g has no axial part."""
        return float(self.tension[0] * math.cos(self.phi0))

    def to_dict(self) -> dict:
        p = self.params
        return {
            "max_radius": self.max_radius,
            "end_tension": float(max(self.tension[0], self.tension[-1])),
            "end_tensions": [float(self.tension[0]), float(self.tension[-1])],
            "min_tension": float(self.tension.min()),
            "axial_tension": self.axial_tension,
            "tension_constant": self.constant,
            "end_angle_deg": math.degrees(self.phi0),
            "inputs": {"length": p.length, "span": p.span, "omega": p.omega, "gravity": p.gravity,
                       "axis": p.axis, "density": p.density},
            "curve": np.column_stack([self.z, self.r]).tolist(),
            "tension": self.tension.tolist(),
            "closed_form": self.closed_form(),
        }

    def closed_form(self) -> dict | None:
        """The exact curve at the numeric curve's z (``name``, ``points`` as [z, r]), where one exists."""
        exact = closed_form(self.params, self.z)
        if exact is None:
            return None
        return {"name": exact[0], "points": np.column_stack([self.z, exact[1]]).tolist()}


def _forces(p: RopeParams) -> tuple[float, float]:
    """(g_ax, g_rad) for the chosen direction of gravity."""
    return (p.gravity, 0.0) if p.axis == "along" else (0.0, p.gravity)


def _check(p: RopeParams) -> None:
    if p.length <= 0 or p.span < 0 or p.density <= 0:
        raise RopeError("length and density must be positive and the end distance not negative")
    if p.length < p.span:
        raise RopeError(f"a rope of length {p.length:g} cannot reach ends {p.span:g} apart")
    if math.isclose(p.length, p.span, rel_tol=1e-12):
        raise RopeError("the rope is exactly as long as the end distance: it lies straight on the axis "
                        "with undetermined tension")
    if p.omega == 0 and (p.gravity == 0 or p.axis == "along"):
        raise RopeError("with no rotation and no gravity across the axis nothing pulls the rope out: "
                        "it has no definite shape")
    if p.span == 0:
        raise RopeError("with both ends at one point (D = 0) the rope lies doubled, slack at its fold: "
                        "give the ends a distance D > 0")


def _inputs(p: RopeParams) -> str:
    return (f"L = {p.length:g} m, D = {p.span:g} m, ω = {p.omega:g} rad/s, g = {p.gravity:g} m/s²"
            + (f" {p.axis} the axis" if p.gravity else ""))


def _no_shape(p: RopeParams) -> RopeError:
    """The solver's failure in the user's words: which inputs, the likely cause, what to change."""
    g_ax, _ = _forces(p)
    if g_ax > 0:  # ω > 0 here (_check): the spin's pull against the weight along the rope
        return RopeError(f"no taut shape for {_inputs(p)}: gravity along the axis outweighs the spin "
                         f"(g/ω² = {g_ax / p.omega ** 2:.3g} m), so the spare rope sags towards the lower end "
                         f"and goes slack there. Spin faster (larger ω) or lower g.")
    return RopeError(f"no shape found for {_inputs(p)}: the solver did not converge. Try a length L closer "
                     f"to D, or change ω or g in smaller steps from a setting that solves.")


def _guess_amplitude(length: float, span: float) -> float:
    """Amplitude A of r = A sin(π z / D) whose arc length is ``length`` (a good first shape)."""
    if span == 0:
        return length / 2
    def arc(a: float) -> float:
        z = np.linspace(0, span, 801)
        dr = a * np.pi / span * np.cos(np.pi * z / span)
        return float(np.trapezoid(np.sqrt(1 + dr * dr), z)) - length
    return brentq(arc, 0.0, length) if length > span else 0.0


# Over L/D from 1.05 to 800, ω from 0.3 to 20 and g up to 9.81 every shape that solves took < 3,200 mesh
# nodes; with this cap a solve that cannot converge gives up in about a second (200,000 took 8 s to minutes).
MAX_NODES = 10_000


def solve(p: RopeParams, ctx: TaskContext | None = None) -> RopeSolution:
    """The fundamental (one-bulge) equilibrium; raises RopeError when none with T > 0 is found.
    ``ctx`` cancels a solve that a newer request made useless (checked at every collocation step)."""
    ctx = ctx or TaskContext()
    _check(p)
    lam, w2 = p.density, p.omega ** 2
    g_ax, g_rad = _forces(p)
    L, D = p.length, p.span
    # Unknowns: z, r and the tension vector T·t = (P, Q): P' = λ g_ax, Q' = −λ(ω² r + g_rad),
    # (z', r') = (P, Q)/|T|.  Smoother than the angle form: no wrapping, no division by a guess.
    def rhs(s, y):
        ctx.checkpoint()
        z, r, P, Q = y
        T = np.sqrt(P * P + Q * Q) + 1e-300
        return np.vstack([P / T, Q / T, np.full_like(z, lam * g_ax), -lam * (w2 * r + g_rad)])

    def bc(ya, yb):
        return np.array([ya[0], ya[1], yb[0] - D, yb[1]])

    amp = _guess_amplitude(L, D)
    s = np.linspace(0, L, 201)
    u = s / L  # a sine bulge carrying a tension of the order of the pull on it
    zg, rg = D * u, amp * np.sin(np.pi * u)
    dz, dr = np.gradient(zg, s), np.gradient(rg, s)
    norm = np.hypot(dz, dr)
    scale = max(lam * (w2 * max(amp, 1e-3) + g_ax + g_rad) * L / 2, 1e-9)
    guess = np.vstack([zg, rg, scale * dz / norm, scale * dr / norm])
    sol = solve_bvp(rhs, bc, s, guess, tol=1e-8, max_nodes=MAX_NODES)
    if not sol.success:
        raise _no_shape(p)
    ss = np.linspace(0, L, p.points)
    z, r, P, Q = sol.sol(ss)
    T = np.hypot(P, Q)
    phi = np.arctan2(Q, P)
    if np.median(r) < 0:
        r, phi = -r, -phi  # the mirror image is the same rope
    if T.min() <= 0 or (r < -1e-7 * L).any():
        raise RopeError(f"no taut shape for {_inputs(p)}: the closest shape needs T = {T.min():.3g} N somewhere "
                        f"along the rope, and a rope cannot push. Spin faster (larger ω) or lower g.")
    const = float(T[0] + 0.5 * lam * w2 * r[0] ** 2 + lam * g_rad * r[0] - lam * g_ax * z[0])
    return RopeSolution(ss, z, np.maximum(r, 0.0), T, float(phi[0]), const, p)


# -- closed forms (SEEDS.md §17.2, §17.4) ------------------------------------------------

def _troposkein_constants(omega: float, radius: float, axial_tension: float,
                          density: float) -> tuple[float, float, float]:
    """(a, b, m) = (λω²/2, √(R² + 2H/a), R²/b²)."""
    a = density * omega ** 2 / 2
    b = math.sqrt(radius ** 2 + 2 * axial_tension / a)
    return a, b, radius ** 2 / b ** 2


def troposkein(omega: float, radius: float, axial_tension: float, density: float = 1.0) -> tuple[float, float]:
    """(half-height h, half-length L/2) of the g = 0 rope with ends on the axis and
    maximal radius R: with a = λω²/2, b² = R² + 2H/a, m = R²/b²,
    h = (H/a)K(m)/b and L/2 = h + b[E(m) − (1 − m)K(m)]."""
    a, b, m = _troposkein_constants(omega, radius, axial_tension, density)
    h = axial_tension / a * ellipk(m) / b
    return h, h + b * (ellipe(m) - (1 - m) * ellipk(m))


def troposkein_for(length: float, span: float, omega: float, density: float = 1.0) -> tuple[float, float]:
    """(R, H) of the troposkein with the given length L > end distance D > 0.

    With 2H/a = b²(1 − m) the closed forms read h = b(1 − m)K/2 and
    L/2 = b(E − (1 − m)K/2), so L/D = 2E(m)/((1 − m)K(m)) − 1 alone fixes m: a
    one-dimensional root, solved in ln(1 − m) (long ropes push m towards 1).
    The shape does not depend on ω; the tension scales as λω²."""
    ratio = length / span

    def excess(log_p: float) -> float:  # p = 1 − m; K(1 − p) from ellipkm1 keeps its precision near m = 1
        p = math.exp(log_p)
        return 2 * ellipe(1 - p) / (p * ellipkm1(p)) - 1 - ratio

    p = math.exp(brentq(excess, math.log(1e-300), 0.0, xtol=1e-14, rtol=1e-15))
    b = span / (p * ellipkm1(p))
    return b * math.sqrt(1 - p), density * omega ** 2 / 2 * b * b * p / 2


def small_amplitude_half_height(omega: float, axial_tension: float, density: float = 1.0) -> float:
    """h → (π/2)·√(H/λ)/ω as R → 0: the fundamental mode of a string under tension H."""
    return math.pi / 2 * math.sqrt(axial_tension / density) / omega


def catenary(length: float, span: float, z: np.ndarray) -> np.ndarray:
    """Sag r(z) below the line of the ends (a = parameter from L = 2a sinh(D/2a)):
    r = a cosh(D/2a) − a cosh((z − D/2)/a), the post's curve with its 1/a restored."""
    a = brentq(lambda a: 2 * a * math.sinh(span / (2 * a)) - length, span / 1400, 1e6 * length)
    return a * math.cosh(span / (2 * a)) - a * np.cosh((z - span / 2) / a)


def closed_form(p: RopeParams, z: np.ndarray) -> tuple[str, np.ndarray] | None:
    """The exact curve for this case when one exists, for overlaying on the numeric one."""
    g_ax, g_rad = _forces(p)
    if p.omega == 0 and g_rad > 0:
        return "catenary", catenary(p.length, p.span, z)
    if p.gravity == 0 and p.omega > 0 and p.length > p.span > 0:
        R, H = troposkein_for(p.length, p.span, p.omega, p.density)
        return "troposkein", troposkein_curve(p.omega, R, H, z - p.span / 2, p.density)
    return None


def troposkein_curve(omega: float, radius: float, axial_tension: float, z: np.ndarray,
                     density: float = 1.0) -> np.ndarray:
    """r(z) of the troposkein, z measured from its middle (0 beyond the ends).

    In z(r) = ∫₀ʳ H dr / √((C − ar²)² − H²), C = H + aR², the root factors as
    a(R² − r²)·a b²(1 − m r²/R²); with r = R sin θ the integrand becomes
    H dθ / (ab √(1 − m sin²θ)), which has no singularity, so z counted from an end
    is (H/ab) F(θ | m) and, inverted, r = R sn((ab/H)(h − |z|) | m)."""
    a, b, m = _troposkein_constants(omega, radius, axial_tension, density)
    rate = a * b / axial_tension
    h = ellipk(m) / rate
    from_end = h - np.abs(np.asarray(z, dtype=float))
    return np.where(from_end >= 0, radius * ellipj(rate * np.maximum(from_end, 0.0), m)[0], 0.0)
