"""The glued ellipses against SEEDS.md §18 (V16, V17) and scipy's elliptic integrals."""

import math

import numpy as np
import pytest
from scipy.special import ellipe

from engine.physics import ellipses as E
from engine.physics.ellipses import EllipseParams, GlueError


@pytest.mark.parametrize("a, b", [(2.0, 1.0), (1.5, 1.0), (3.0, 1.0), (5.0, 0.7), (1.0, 1.0)])
def test_quarter_perimeter_is_the_complete_elliptic_integral(a, b):
    sol = E.solve(EllipseParams(a=a, b=b))
    assert sol.quarter_perimeter == pytest.approx(a * ellipe(1 - (b / a) ** 2), rel=1e-12)


@pytest.mark.parametrize("a, l, x", [(2.0, 2.422112, 1.569757), (1.5, 1.983180, 0.986712),
                                     (3.0, 3.341223, 2.657293)])
def test_v17_reference_extents(a, l, x):
    sol = E.solve(EllipseParams(a=a, b=1.0))
    assert sol.quarter_perimeter == pytest.approx(l, abs=1e-6)
    assert sol.x_extent == pytest.approx(x, abs=1e-6)
    assert sol.min_margin >= -1e-12  # the post's theorem: it always glues
    inner = sol.margin[5:-5]
    assert inner.min() > 0  # zero only at the ends


def test_v16_disc_is_degenerate():
    sol = E.solve(EllipseParams(a=1.3, b=1.3))
    np.testing.assert_allclose(sol.margin, 0.0, atol=1e-12)  # cos² + sin² ≡ 1
    assert sol.x_extent == pytest.approx(0.0, abs=1e-6) and np.abs(sol.x).max() < 1e-6


def test_edge_is_an_isometry_of_both_outlines():
    sol = E.solve(EllipseParams(a=2.0, b=1.0, points=4001))
    d = np.diff(np.column_stack([sol.x, sol.y, sol.z]), axis=0)
    ds = np.diff(sol.s)
    # the glue edge has the arc length of the ellipse's edge, piece by piece
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), ds, rtol=2e-3)
    assert sol.y[0] == 0 and sol.z[0] == pytest.approx(1.0) and sol.y[-1] == pytest.approx(1.0)


def test_point_list_outline_reproduces_the_ellipse():
    t = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    prof = E.Profile.from_points(np.column_stack([2 * np.cos(t), np.sin(t)]))
    sol = E.glue(prof, prof)
    assert sol.quarter_perimeter == pytest.approx(2.422112, abs=1e-5)
    assert sol.x_extent == pytest.approx(1.569757, abs=1e-4)


def test_outlines_of_different_length_cannot_glue():
    with pytest.raises(GlueError, match="different lengths"):
        E.glue(E.Profile.ellipse(2, 1), E.Profile.ellipse(3, 1))


@pytest.mark.parametrize("a, b, message", [(1.0, 2.0, "a ≥ b"), (-1.0, 1.0, "positive")])
def test_bad_axes_say_why(a, b, message):
    with pytest.raises(GlueError, match=message):
        E.Profile.ellipse(a, b)


def test_exports(tmp_path):
    sol = E.solve(EllipseParams(points=101))
    E.write_stl(sol, tmp_path / "m.stl")
    E.write_obj(sol, tmp_path / "m.obj")
    E.write_net_svg(2.0, 1.0, tmp_path / "n.svg", unit_mm=10)
    E.write_net_pdf(2.0, 1.0, tmp_path / "n.pdf", unit_mm=10)
    stl = (tmp_path / "m.stl").read_text()
    assert stl.startswith("solid") and stl.count("facet normal") == stl.count("endfacet") > 100
    assert "facet normal 0.000000e+00 0.000000e+00 0.000000e+00" not in stl  # no degenerate triangles
    obj = (tmp_path / "m.obj").read_text().splitlines()
    verts = np.array([list(map(float, l.split()[1:])) for l in obj if l.startswith("v ")])
    assert np.abs(verts[:, 1]).max() == pytest.approx(1.0) and verts[:, 0].max() == pytest.approx(sol.x_extent)
    svg = (tmp_path / "n.svg").read_text()
    assert 'width="' in svg and "mm" in svg and svg.count("stroke-dasharray") > 5
    import xml.dom.minidom

    xml.dom.minidom.parseString(svg)  # well-formed
    pdf = (tmp_path / "n.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    # true scale: an ellipse of a = 2 units at 10 mm a unit spans 40 mm = 113.39 pt in both files
    xs = [float(v.split(",")[0]) for v in svg.split('points="')[1].split('"')[0].split()]
    assert max(xs) - min(xs) == pytest.approx(40.0, abs=1e-3)
    stream = pdf.split(b"stream\n")[1].split(b"\nendstream")[0].decode()
    outline = stream.splitlines()[0]  # "0.85 w 0 G x y m x y l … S": the first sheet, in points
    numbers = [float(v) for v in outline.replace(" m", "").replace(" l", "").split()[4:-1]]
    ring_x = numbers[0::2]
    assert max(ring_x) - min(ring_x) == pytest.approx(40.0 * 72 / 25.4, abs=1e-2)
    assert all(math.isfinite(v) for v in numbers)
    assert "(P) Tj" in stream and "(S) Tj" in stream


def test_round_off_margin_reads_as_zero_and_a_real_one_stays():
    """The default sheets' least margin is −9e-34 in floating point: it is 0 (it glues, touching at the
    ends); a margin beyond the tolerance is reported as it is."""
    sol = E.solve(EllipseParams())
    assert sol.min_margin != 0 and abs(sol.min_margin) < E.MARGIN_TOL
    assert sol.reported_margin == 0.0 and sol.gluable and sol.to_dict()["min_margin"] == 0.0
    s = np.linspace(0, 1, 5)
    bad = E.GlueSolution(s, s, s, s, np.array([0.2, 0.1, -0.03, 0.1, 0.2]), 1.0, 1.0)
    assert bad.reported_margin == -0.03 and not bad.gluable
