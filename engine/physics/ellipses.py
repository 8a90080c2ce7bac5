"""Two elliptical sheets bent into one closed solid (kexue.fm/archives/6818, SEEDS.md §18).

Each sheet (semi-axes a ≥ b) is bent cylindrically along its long axis.  With
h(s) the height of the ellipse's edge at arc length s from the vertex (a, 0)
and l the quarter perimeter, the first-octant glue edge is

    y = h(s),  z = h(l − s),  x(s) = ∫₀ˢ √(1 − h'(σ)² − h'(l − σ)²) dσ,

possible exactly when the margin 1 − h'(s)² − h'(l − s)² ≥ 0 (the post proves
it always is).  Sheet 1 is the ruled surface {(x(s), w·h(s), h(l−s))}, sheet 2
{(x(s), h(s), w·h(l−s))}, |w| ≤ 1, with their mirror images in y and z.

Arc length uses scipy's incomplete elliptic integral (s = a[E(e²) − E(π/2 − t | e²)]
for the point (a cos t, b sin t)); its inverse is a few Newton steps; x(l)
is an adaptive quadrature.  Any pair of convex outlines symmetric about both
axes works the same way from point lists (``Profile.from_points``).  The
STL/OBJ/SVG/PDF writers are a few lines each and written here: no library
is needed for flat text formats of lines and triangles.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.integrate import cumulative_trapezoid, quad
from scipy.special import ellipeinc

from engine.errors import UserError
from engine.io import atomic_open, write_bytes, write_text
from engine.params import param


class GlueError(UserError):
    pass


MARGIN_TOL = 1e-9  # the margin is a difference of squared slopes: |margin| below this is round-off, i.e. 0


@dataclass(frozen=True)
class EllipseParams:
    a: float = param(2.0, "semi-major axis a of both sheets", minimum=1e-6, maximum=1e4, slider=(0.2, 5.0),
                     label="a")
    b: float = param(1.0, "semi-minor axis b (b ≤ a)", minimum=1e-6, maximum=1e4, slider=(0.2, 5.0),
                     label="b")
    points: int = param(401, "points along the quarter glue edge", minimum=11, maximum=100000)


class Profile:
    """Height h(s) of a quarter outline against arc length s ∈ [0, l], with h'(s)."""

    def __init__(self, length: float, height, slope, name: str, smooth: bool = True) -> None:
        self.length, self.height, self.slope, self.name = length, height, slope, name
        self.smooth = smooth  # analytic slopes: integrate adaptively; sampled ones: by trapezoids

    @classmethod
    def ellipse(cls, a: float, b: float) -> "Profile":
        if a <= 0 or b <= 0:
            raise GlueError("the semi-axes must be positive")
        if b > a:
            raise GlueError(f"b = {b:g} > a = {a:g}: the sheets bend along their long axis, so a ≥ b "
                            f"(swap them)")
        m = 1.0 - (b / a) ** 2
        total = a * float(ellipeinc(np.pi / 2, m))

        def arc(t):  # arc length from (a, 0) to (a cos t, b sin t)
            return total - a * ellipeinc(np.pi / 2 - t, m)

        def speed(t):
            return np.sqrt(a * a * np.sin(t) ** 2 + b * b * np.cos(t) ** 2)

        grid = np.linspace(0, np.pi / 2, 4097)
        table = arc(grid)

        def t_of(s):
            s = np.clip(np.asarray(s, dtype=float), 0, total)
            t = np.interp(s, table, grid)
            for _ in range(4):  # Newton on arc(t) = s; speed ≥ b > 0
                t = np.clip(t - (arc(t) - s) / speed(t), 0, np.pi / 2)
            return t

        return cls(total, lambda s: b * np.sin(t_of(s)),
                   lambda s: b * np.cos(t_of(s)) / speed(t_of(s)), f"ellipse a={a:g}, b={b:g}")

    @classmethod
    def from_points(cls, points: np.ndarray, name: str = "outline") -> "Profile":
        """The first-quadrant quarter of a convex outline given as (x, y) points around it,
        assumed symmetric about both axes, from the x-axis to the y-axis."""
        pts = np.asarray(points, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 8:
            raise GlueError(f"{name}: give at least 8 (x, y) points around the outline")
        ang = np.arctan2(pts[:, 1], pts[:, 0])
        order = np.argsort(ang)
        ang, pts = ang[order], pts[order]
        rad = np.hypot(pts[:, 0], pts[:, 1])
        fine = np.linspace(0, np.pi / 2, 2049)
        ring = np.concatenate([ang - 2 * np.pi, ang, ang + 2 * np.pi])
        rr = np.interp(fine, ring, np.tile(rad, 3))  # polar interpolation of the outline
        xy = np.column_stack([rr * np.cos(fine), rr * np.sin(fine)])
        seg = np.hypot(*np.diff(xy, axis=0).T)
        s = np.concatenate([[0], np.cumsum(seg)])
        h = xy[:, 1]
        dh = np.gradient(h, s)
        return cls(float(s[-1]), lambda q: np.interp(q, s, h), lambda q: np.interp(q, s, dh), name, smooth=False)


@dataclass
class GlueSolution:
    s: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    margin: np.ndarray  # 1 − h1'(s)² − h2'(l − s)²
    quarter_perimeter: float
    x_extent: float

    @property
    def min_margin(self) -> float:
        return float(self.margin.min())

    @property
    def reported_margin(self) -> float:
        """The least margin as a user should read it: 0 where it is round-off (|m| < MARGIN_TOL)."""
        return 0.0 if abs(self.min_margin) < MARGIN_TOL else self.min_margin

    @property
    def gluable(self) -> bool:
        return self.min_margin >= -MARGIN_TOL

    def to_dict(self) -> dict:
        return {"quarter_perimeter": self.quarter_perimeter, "x_extent": self.x_extent,
                "min_margin": self.reported_margin, "gluable": self.gluable,
                "curve": np.column_stack([self.x, self.y, self.z]).tolist(),
                "margin": self.margin.tolist()}

    # -- the solid ---------------------------------------------------------------
    def edges(self) -> list[np.ndarray]:
        """The four glue edges, (n, 3) each: the computed one and its mirrors in y and z."""
        return [np.column_stack([self.x, sy * self.y, sz * self.z]) for sy in (1, -1) for sz in (1, -1)]

    def sheet(self, which: int, rulings: int = 9) -> np.ndarray:
        """Grid (n, rulings, 3) of sheet 1 (rulings along y) or 2 (along z), both halves stacked."""
        w = np.linspace(-1, 1, rulings)
        if which == 1:
            half = [np.stack([np.broadcast_to(self.x[:, None], (len(self.s), rulings)),
                              self.y[:, None] * w, np.broadcast_to(sz * self.z[:, None], (len(self.s), rulings))],
                             axis=-1) for sz in (1, -1)]
        else:
            half = [np.stack([np.broadcast_to(self.x[:, None], (len(self.s), rulings)),
                              np.broadcast_to(sy * self.y[:, None], (len(self.s), rulings)), self.z[:, None] * w],
                             axis=-1) for sy in (1, -1)]
        return np.concatenate([half[0], half[1][::-1]], axis=0)

    def mesh(self, rulings: int = 9) -> tuple[np.ndarray, np.ndarray]:
        """(vertices, triangles) of both sheets, for STL/OBJ."""
        verts, tris = [], []
        for which in (1, 2):
            g = self.sheet(which, rulings)
            n, m = g.shape[:2]
            base = sum(len(v) for v in verts)
            verts.append(g.reshape(-1, 3))
            i, j = np.meshgrid(np.arange(n - 1), np.arange(m - 1), indexing="ij")
            a = base + i * m + j
            tris.append(np.concatenate([np.stack([a, a + m, a + 1], -1).reshape(-1, 3),
                                        np.stack([a + 1, a + m, a + m + 1], -1).reshape(-1, 3)]))
        v, t = np.concatenate(verts), np.concatenate(tris)
        area = np.linalg.norm(np.cross(v[t[:, 1]] - v[t[:, 0]], v[t[:, 2]] - v[t[:, 0]]), axis=1)
        return v, t[area > 1e-14]  # the sheets' pointed ends make zero-area triangles


def glue(first: Profile, second: Profile, points: int = 401) -> GlueSolution:
    """The glue edge of two quarter outlines of equal arc length."""
    l1, l2 = first.length, second.length
    if not math.isclose(l1, l2, rel_tol=1e-6):
        raise GlueError(f"the quarter outlines have different lengths ({l1:.6g} and {l2:.6g}): "
                        f"their edges cannot be matched point for point")
    l = l1
    s = np.linspace(0, l, points)

    def margin(q):
        return 1.0 - first.slope(q) ** 2 - second.slope(l - q) ** 2

    mg = margin(s)
    dx = np.sqrt(np.clip(mg, 0, None))
    x = cumulative_trapezoid(dx, s, initial=0.0)
    # the extent by adaptive quadrature; the curve's x is rescaled onto it (the trapezoid's
    # only error is near the ends, where √margin has square-root behaviour)
    if mg.max() <= 1e-12:  # equal outlines of a disc: the edge stays flat (SEEDS.md V16)
        return GlueSolution(s, np.zeros_like(s), first.height(s), second.height(l - s), mg, l, 0.0)
    if not (first.smooth and second.smooth):
        return GlueSolution(s, x, first.height(s), second.height(l - s), mg, l, float(x[-1]))
    extent = quad(lambda q: math.sqrt(max(float(margin(q)), 0.0)), 0, l, limit=400, epsabs=1e-11)[0]
    if x[-1] > 0:
        x *= extent / x[-1]
    return GlueSolution(s, x, first.height(s), second.height(l - s), mg, l, extent)


def solve(p: EllipseParams) -> GlueSolution:
    prof = Profile.ellipse(p.a, p.b)
    return glue(prof, prof, p.points)


# -- exports -----------------------------------------------------------------------

def write_obj(sol: GlueSolution, path: Path, rulings: int = 9) -> None:
    v, f = sol.mesh(rulings)
    lines = ["# two elliptical sheets glued into a solid (kexue.fm/archives/6818)"]
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in v]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in f]
    write_text(path, "\n".join(lines) + "\n")


def write_stl(sol: GlueSolution, path: Path, rulings: int = 9) -> None:
    v, f = sol.mesh(rulings)
    tri = v[f]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
    out = ["solid glued_ellipses"]
    for n, t in zip(normals, tri):
        out.append(f" facet normal {n[0]:.6e} {n[1]:.6e} {n[2]:.6e}\n  outer loop")
        out += [f"   vertex {p[0]:.6e} {p[1]:.6e} {p[2]:.6e}" for p in t]
        out.append("  endloop\n endfacet")
    out.append("endsolid glued_ellipses")
    write_text(path, "\n".join(out) + "\n")


def write_csv(sol: GlueSolution, path: Path) -> None:
    with atomic_open(path) as fh:
        np.savetxt(fh, np.column_stack([sol.s, sol.x, sol.y, sol.z, sol.margin]), delimiter=",",
                   header="s,x,y,z,margin", comments="", fmt="%.9g")


def net_lines(a: float, b: float, spacing: float) -> tuple[list[np.ndarray], list[tuple[float, float]]]:
    """Outline polylines and fold rulings (x = const, across the short axis) of one flat sheet."""
    t = np.linspace(0, 2 * np.pi, 361)
    outline = np.column_stack([a * np.cos(t), b * np.sin(t)])
    xs = np.arange(-a + spacing, a, spacing)
    return [outline], [(float(x), float(b * math.sqrt(max(0.0, 1 - (x / a) ** 2)))) for x in xs]


NOTES = ("Cut out both ellipses; 1 unit = {unit:g} mm (a = {a:g}, b = {b:g}).",
         "Curve each sheet gently along its dashed rulings; do not crease.",
         "Glue edge to edge: P to P, Q to Q, R to R, S to S.")


UNIT_MM = (0.01, 1000.0)  # millimetres per unit a printed net may use
MAX_PAGE_MM = 10_000.0  # a net wider or taller than 10 m is a mistake, not a print
A4_MM = (210.0, 297.0)  # portrait: the sheets, wider than tall, are stacked
MARGIN_MM, GAP_MM = 10.0, 8.0  # page margin; space between the two sheets' blocks
MARK_MM, NAME_MM, NOTE_MM = 3.5, 4.0, 3.5  # font sizes (mm) of the point letters, sheet names, notes
DOT_MM, LABEL_GAP_MM = 0.8, 1.5  # radius of a point's dot; from the outline to its letter
CAP_HEIGHT = 0.718  # Helvetica's capital height per unit of font size
# Helvetica's advance widths (1/1000 of the font size) for ASCII 32–126, from Adobe's core-14 metrics
# (Helvetica.afm): the PDF centres and right-aligns its text with them.
HELVETICA = (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
             *[556] * 10, 278, 278, 584, 584, 584, 556, 1015,
             667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
             611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333,
             556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
             278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)


def text_width(text: str, size: float) -> float:
    """Width of ``text`` set in Helvetica at ``size`` (same unit as ``size``)."""
    return size * sum(HELVETICA[ord(c) - 32] if 32 <= ord(c) < 127 else 556 for c in text) / 1000


def check_unit_mm(unit_mm: float) -> float:
    """``unit_mm`` as a float, or a one-line :class:`GlueError` when it is not a sane print scale."""
    lo, hi = UNIT_MM
    try:
        value = float(unit_mm)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and lo <= value <= hi):
        raise GlueError(f"unit_mm must be a number of millimetres per unit from {lo:g} to {hi:g}; got {unit_mm}")
    return value


def _bands() -> tuple[float, float, float]:
    """(room beside a sheet, room above and below its outline, height of the notes), in mm."""
    side = LABEL_GAP_MM + max(text_width(c, MARK_MM) for c in "PQRS")
    band = NAME_MM + 2 * (2 * LABEL_GAP_MM + CAP_HEIGHT * MARK_MM)  # name row, a letter above, a letter below
    return side, band, 1.5 * NOTE_MM * len(NOTES)


def fit_a4_unit(a: float, b: float) -> float:
    """The largest print scale (mm per unit, rounded down to 3 figures) at which the net fills one A4 page."""
    side, band, notes = _bands()
    room_w = A4_MM[0] - 2 * MARGIN_MM - 2 * side
    room_h = A4_MM[1] - 2 * MARGIN_MM - 2 * band - GAP_MM - notes
    unit = min(room_w / (2 * a), room_h / (4 * b))
    step = 10.0 ** (math.floor(math.log10(unit)) - 2)
    unit = math.floor(unit / step) * step
    if unit < UNIT_MM[0]:
        raise GlueError(f"sheets of a = {a:g}, b = {b:g} fit A4 only at {unit:.2g} mm per unit: print them at a "
                        f"chosen unit_mm instead")
    return float(f"{unit:.3g}")


def net_layout(a: float, b: float, unit_mm: float, spacing: float | None = None) -> dict:
    """Everything the printed net shows, in millimetres with y downwards, for the SVG and PDF writers alike.

    The sheets are stacked, each in a block with its name above; a marked point's letter sits outside
    the outline (beyond a long-axis tip, or above or below a short-axis tip).  The page is A4 when the
    net fits on it, else just large enough."""
    unit_mm = check_unit_mm(unit_mm)
    spacing = spacing or a / 8
    side, band, notes_h = _bands()
    w, h = 2 * a * unit_mm, 2 * b * unit_mm
    lines = [line.format(unit=unit_mm, a=a, b=b) for line in NOTES]
    content_w = max(w + 2 * side, max(text_width(t, NOTE_MM) for t in lines))
    content_h = 2 * (band + h) + GAP_MM + notes_h
    width, height = content_w + 2 * MARGIN_MM, content_h + 2 * MARGIN_MM
    if width <= A4_MM[0] + 1e-9 and height <= A4_MM[1] + 1e-9:
        width, height = A4_MM
    if max(width, height) > MAX_PAGE_MM:
        raise GlueError(f"the net would be {width / 1000:.3g} m × {height / 1000:.3g} m at {unit_mm:g} mm per "
                        f"unit; choose a smaller unit_mm")
    outline, rulings = net_lines(a, b, spacing)
    cx, top = width / 2, MARGIN_MM
    sheets, marks, texts = [], [], []
    cap = CAP_HEIGHT * MARK_MM
    for k in range(2):
        texts.append({"text": f"sheet {k + 1}", "x": cx, "y": top + CAP_HEIGHT * NAME_MM, "size": NAME_MM,
                      "anchor": "middle", "color": "black"})
        cy = top + NAME_MM + 2 * LABEL_GAP_MM + cap + h / 2
        sheets.append({
            "outline": [(cx + x * unit_mm, cy - y * unit_mm) for x, y in outline[0]],
            "folds": [((cx + x * unit_mm, cy - y * unit_mm), (cx + x * unit_mm, cy + y * unit_mm)) for x, y in rulings]})
        # where a point's letter goes: (dot, letter's anchor point, text anchor)
        left = ((cx - w / 2, cy), (cx - w / 2 - LABEL_GAP_MM, cy + cap / 2), "end")
        right = ((cx + w / 2, cy), (cx + w / 2 + LABEL_GAP_MM, cy + cap / 2), "start")
        above = ((cx, cy - h / 2), (cx, cy - h / 2 - LABEL_GAP_MM), "middle")
        below = ((cx, cy + h / 2), (cx, cy + h / 2 + LABEL_GAP_MM + cap), "middle")
        # sheet 1's long-axis tips meet sheet 2's short-axis tips and the other way round (s = 0 and s = l)
        places = (left, right, above, below) if k == 0 else (above, below, left, right)
        for letter, (dot, (x, y), anchor) in zip("PQRS", places):
            marks.append(dot)
            texts.append({"text": letter, "x": x, "y": y, "size": MARK_MM, "anchor": anchor, "color": "red"})
        top += band + h + GAP_MM
    left_edge = (width - content_w) / 2
    for i, line in enumerate(lines):
        texts.append({"text": line, "x": left_edge, "y": top + CAP_HEIGHT * NOTE_MM + 1.5 * NOTE_MM * i,
                      "size": NOTE_MM, "anchor": "start", "color": "black"})
    return {"width": width, "height": height, "unit_mm": unit_mm, "sheets": sheets, "marks": marks, "texts": texts}


def write_net_svg(a: float, b: float, path: Path, unit_mm: float = 10.0, spacing: float | None = None) -> None:
    """Both flat sheets at true scale (1 unit = ``unit_mm`` mm) with fold rulings dashed and the
    points that meet marked alike."""
    lay = net_layout(a, b, unit_mm, spacing)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay["width"]:.2f}mm" height="{lay["height"]:.2f}mm" '
           f'viewBox="0 0 {lay["width"]:.2f} {lay["height"]:.2f}">']
    for sh in lay["sheets"]:
        pts = " ".join(f"{x:.3f},{y:.3f}" for x, y in sh["outline"])
        out.append(f'<polyline points="{pts}" fill="none" stroke="black" stroke-width="0.3"/>')
        for (x1, y1), (x2, y2) in sh["folds"]:
            out.append(f'<line x1="{x1:.3f}" y1="{y1:.3f}" x2="{x2:.3f}" y2="{y2:.3f}" stroke="#888" '
                       f'stroke-width="0.2" stroke-dasharray="1.5,1"/>')
    for x, y in lay["marks"]:
        out.append(f'<circle cx="{x:.3f}" cy="{y:.3f}" r="{DOT_MM:g}" fill="red"/>')
    for t in lay["texts"]:
        out.append(f'<text x="{t["x"]:.3f}" y="{t["y"]:.3f}" font-size="{t["size"]:g}" text-anchor="{t["anchor"]}" '
                   f'fill="{t["color"]}" font-family="Helvetica, Arial, sans-serif">{html.escape(t["text"])}</text>')
    out.append("</svg>")
    write_text(path, "\n".join(out) + "\n")


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def write_net_pdf(a: float, b: float, path: Path, unit_mm: float = 10.0, spacing: float | None = None) -> None:
    """The same net as a one-page vector PDF at true scale (1 pt = 1/72 inch): the same outlines,
    rulings, dots and letters at the same places as the SVG."""
    lay = net_layout(a, b, unit_mm, spacing)
    pt = 72 / 25.4
    H = lay["height"]
    rgb = {"black": "0 0 0", "red": "1 0 0"}

    def xy(x: float, y: float) -> str:  # mm, y down → pt, y up
        return f"{x * pt:.2f} {(H - y) * pt:.2f}"

    ops = []
    for sh in lay["sheets"]:
        ring = sh["outline"]
        ops.append("0.85 w 0 G " + f"{xy(*ring[0])} m " + " ".join(f"{xy(*p)} l" for p in ring[1:]) + " S")
        ops.append(f"q 0.5 G [{1.5 * pt:.2f} {pt:.2f}] 0 d {0.2 * pt:.2f} w "
                   + " ".join(f"{xy(*p1)} m {xy(*p2)} l S" for p1, p2 in sh["folds"]) + " Q")
    k = 0.5523 * DOT_MM  # four Bézier quarters make a circle
    for x, y in lay["marks"]:
        r = DOT_MM
        ops.append(f"1 0 0 rg {xy(x + r, y)} m {xy(x + r, y - k)} {xy(x + k, y - r)} {xy(x, y - r)} c "
                   f"{xy(x - k, y - r)} {xy(x - r, y - k)} {xy(x - r, y)} c {xy(x - r, y + k)} {xy(x - k, y + r)} "
                   f"{xy(x, y + r)} c {xy(x + k, y + r)} {xy(x + r, y + k)} {xy(x + r, y)} c f")
    for t in lay["texts"]:
        shift = {"start": 0.0, "middle": 0.5, "end": 1.0}[t["anchor"]] * text_width(t["text"], t["size"])
        ops.append(f"BT /F1 {t['size'] * pt:.2f} Tf {rgb[t['color']]} rg {xy(t['x'] - shift, t['y'])} Td "
                   f"{_pdf_string(t['text'])} Tj ET")
    stream = "\n".join(ops).encode("latin-1", errors="replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {lay['width'] * pt:.2f} {H * pt:.2f}] "
               f"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".encode(),
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    write_bytes(path, bytes(out))
