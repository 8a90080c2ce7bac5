"""The printable net: the PDF shows what the SVG shows (outlines, dots, letters, at the same places),
no letter touches an outline, and the scale fills A4 or follows mm per unit, from the API and the
verb's flags alike.  Positions are read back from the files, not from the layout."""

import re
import xml.dom.minidom

import numpy as np
import pytest

from engine.physics import ellipses as E
from engine.physics.tasks import ELLIPSES, NetParams

PT = 72 / 25.4  # points per millimetre
A4 = (210.0, 297.0)


def read_svg(path):
    dom = xml.dom.minidom.parse(str(path))
    svg = dom.documentElement
    size = tuple(float(svg.getAttribute(k).removesuffix("mm")) for k in ("width", "height"))
    outlines = [np.array([[float(v) for v in p.split(",")] for p in e.getAttribute("points").split()])
                for e in dom.getElementsByTagName("polyline")]
    dots = [(float(c.getAttribute("cx")), float(c.getAttribute("cy"))) for c in dom.getElementsByTagName("circle")]
    texts = [{"text": t.firstChild.data, "x": float(t.getAttribute("x")), "y": float(t.getAttribute("y")),
              "size": float(t.getAttribute("font-size")), "anchor": t.getAttribute("text-anchor") or "start"}
             for t in dom.getElementsByTagName("text")]
    return size, outlines, dots, texts


def read_pdf(path):
    """Page size, outlines, dot centres and texts of the PDF, in mm with y downwards like the SVG."""
    data = path.read_bytes()
    box = [float(v) for v in re.search(rb"/MediaBox \[([^\]]*)\]", data).group(1).split()]
    width, height = box[2] / PT, box[3] / PT
    stream = data.split(b"stream\n")[1].split(b"\nendstream")[0].decode("latin-1")

    def mm(x, y):
        return float(x) / PT, height - float(y) / PT

    outlines, dots, texts = [], [], []
    for line in stream.splitlines():
        if line.endswith(" c f"):  # a filled circle of four Bézier quarters: its centre is the mean of the ends
            nums = [float(v) for v in re.findall(r"-?\d+\.?\d*", line.split(" rg ")[1])]
            pts = np.array(nums).reshape(-1, 2)
            ends = pts[[0, 3, 6, 9]]
            dots.append(mm(*ends.mean(axis=0)))
        elif line.startswith("BT"):
            m = re.match(r"BT /F1 ([\d.]+) Tf [\d. ]+ rg ([\d.-]+) ([\d.-]+) Td \((.*)\) Tj ET", line)
            x, y = mm(m.group(2), m.group(3))
            texts.append({"text": m.group(4).replace("\\(", "(").replace("\\)", ")"), "x": x, "y": y,
                          "size": float(m.group(1)) / PT})
        elif line.endswith(" S") and " m " in line and line.startswith("0.85 w"):
            nums = [float(v) for v in line.replace(" m", "").replace(" l", "").split()[4:-1]]
            outlines.append(np.array([mm(x, y) for x, y in zip(nums[0::2], nums[1::2])]))
    return (width, height), outlines, dots, texts


def dense(outline, k=10):
    """The polyline with k points on every segment, so a box between two vertices is still caught."""
    t = np.linspace(0, 1, k, endpoint=False)
    a, b = outline[:-1], outline[1:]
    return (a[:, None, :] + (b - a)[:, None, :] * t[None, :, None]).reshape(-1, 2)


def cap_box(t):
    """A box sure to hold the letters of a label (Helvetica's capitals are ≤ 0.78 em wide, 0.72 em tall)."""
    w = (0.8 if t["text"].isupper() else 0.6) * t["size"] * len(t["text"])
    left = {"start": t["x"], "middle": t["x"] - w / 2, "end": t["x"] - w}[t["anchor"]]
    return left, t["y"] - 0.75 * t["size"], left + w, t["y"]


def inside(points, box, pad=0.0):
    x0, y0, x1, y1 = box
    p = np.asarray(points)
    return (p[:, 0] > x0 - pad) & (p[:, 0] < x1 + pad) & (p[:, 1] > y0 - pad) & (p[:, 1] < y1 + pad)


@pytest.mark.parametrize("a, b, unit", [(2.0, 1.0, 10.0), (2.0, 1.0, None), (1.0, 1.0, 3.0), (5.0, 0.3, None),
                                        (1.0, 0.5, 0.5)])
def test_pdf_shows_the_svgs_dots_and_letters_at_the_same_places(tmp_path, a, b, unit):
    unit = E.fit_a4_unit(a, b) if unit is None else unit
    E.write_net_svg(a, b, tmp_path / "n.svg", unit)
    E.write_net_pdf(a, b, tmp_path / "n.pdf", unit)
    svg_size, svg_outlines, svg_dots, svg_texts = read_svg(tmp_path / "n.svg")
    pdf_size, pdf_outlines, pdf_dots, pdf_texts = read_pdf(tmp_path / "n.pdf")
    assert pdf_size == pytest.approx(svg_size, abs=0.01)
    assert len(pdf_outlines) == len(svg_outlines) == 2
    for p, s in zip(pdf_outlines, svg_outlines):
        np.testing.assert_allclose(p, s, atol=0.01)
    assert len(svg_dots) == len(pdf_dots) == 8  # P, Q, R, S on each sheet
    np.testing.assert_allclose(pdf_dots, svg_dots, atol=0.01)
    assert [t["text"] for t in pdf_texts] == [t["text"] for t in svg_texts]
    for p, s in zip(pdf_texts, svg_texts):
        assert p["y"] == pytest.approx(s["y"], abs=0.01) and p["size"] == pytest.approx(s["size"], abs=0.01)
        # the PDF starts the text where the SVG's anchor puts it: at x, half its width left, or all of it
        width = 0.8 * s["size"] * len(s["text"])
        start = {"start": (s["x"], s["x"]), "middle": (s["x"] - width / 2, s["x"]),
                 "end": (s["x"] - width, s["x"])}[s["anchor"]]
        assert start[0] - 0.01 <= p["x"] <= start[1] + 0.01, s["text"]
    letters = [t for t in pdf_texts if len(t["text"]) == 1]
    assert sorted(t["text"] for t in letters) == sorted("PQRSPQRS")


@pytest.mark.parametrize("a, b, unit", [(2.0, 1.0, 10.0), (2.0, 1.0, None), (1.0, 1.0, 3.0), (5.0, 0.3, None),
                                        (1.0, 0.5, 0.5), (3.0, 2.9, 20.0)])
def test_letters_sit_off_the_outline_beside_their_dot(tmp_path, a, b, unit):
    unit = E.fit_a4_unit(a, b) if unit is None else unit
    E.write_net_svg(a, b, tmp_path / "n.svg", unit)
    (width, height), outlines, dots, texts = read_svg(tmp_path / "n.svg")
    boundary = np.concatenate([dense(o) for o in outlines])
    boxes = [cap_box(t) for t in texts]
    for t, box in zip(texts, boxes):
        assert not inside(boundary, box, pad=0.2).any(), f"{t['text']} touches an outline"
        assert not inside(dots, box, pad=E.DOT_MM).any() or len(t["text"]) > 1, f"{t['text']} covers a dot"
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height, f"{t['text']} off the page"
    for i, p in enumerate(boxes):  # no two labels overlap
        for q in boxes[i + 1:]:
            assert p[2] <= q[0] or q[2] <= p[0] or p[3] <= q[1] or q[3] <= p[1]
    # every dot sits on an outline and the letter nearest to it is its own, a few mm away
    letters = np.array([((x0 + x1) / 2, (y0 + y1) / 2) for t, (x0, y0, x1, y1) in zip(texts, boxes)
                        if len(t["text"]) == 1])
    nearest = []
    for x, y in dots:
        assert np.hypot(*(boundary - (x, y)).T).min() < 0.05
        d = np.hypot(*(letters - (x, y)).T)
        nearest.append(int(d.argmin()))
        assert d.min() < 5
    assert sorted(nearest) == list(range(8))


def test_fit_a4_fills_the_page_and_a_larger_scale_would_not_fit(tmp_path):
    for a, b in ((2.0, 1.0), (1.0, 1.0), (5.0, 0.3), (1.2, 1.1)):
        unit = E.fit_a4_unit(a, b)
        E.write_net_svg(a, b, tmp_path / "n.svg", unit)
        size, outlines, _, texts = read_svg(tmp_path / "n.svg")
        assert size == pytest.approx(A4)
        span = outlines[0][:, 0].max() - outlines[0][:, 0].min()
        assert span == pytest.approx(2 * a * unit, abs=1e-3)
        everything = np.concatenate(outlines)
        assert everything.min() >= 9.99 and everything[:, 0].max() <= 200.01 and everything[:, 1].max() <= 287.01
        E.write_net_svg(a, b, tmp_path / "big.svg", unit * 1.02)  # 2 % more no longer fits on A4
        big, *_ = read_svg(tmp_path / "big.svg")
        assert big[0] > A4[0] or big[1] > A4[1]
    # a = 2, b = 1 on A4: the sheets are about 18 cm long, not 4 cm
    assert 2 * 2.0 * E.fit_a4_unit(2.0, 1.0) > 170


def test_a_chosen_scale_is_true_and_a_small_net_prints_on_a4(tmp_path):
    E.write_net_pdf(2.0, 1.0, tmp_path / "n.pdf", 10.0)
    size, outlines, _, texts = read_pdf(tmp_path / "n.pdf")
    assert size == pytest.approx(A4, abs=0.01)
    assert np.ptp(outlines[0][:, 0]) == pytest.approx(40.0, abs=0.01) and np.ptp(outlines[0][:, 1]) == \
        pytest.approx(20.0, abs=0.01)
    assert any("1 unit = 10 mm" in t["text"] for t in texts)
    E.write_net_svg(20.0, 10.0, tmp_path / "wide.svg", 10.0)  # 40 cm: larger than A4, the page grows
    (w, h), outlines, _, _ = read_svg(tmp_path / "wide.svg")
    assert w > 400 and np.ptp(outlines[0][:, 0]) == pytest.approx(400.0, abs=0.01)


def test_a_net_too_long_for_a4_at_a_sane_scale_says_so():
    with pytest.raises(E.GlueError, match="fit A4 only"):
        E.fit_a4_unit(1e4, 1.0)


@pytest.mark.parametrize("argv, unit", [([], None), (["--scale", "mm-per-unit", "--unit-mm", "7.5"], 7.5),
                                        (["--scale", "fit-a4", "--unit-mm", "7.5"], None)])
def test_the_verbs_flags_choose_the_scale(tmp_path, argv, unit):
    from cli.tasks import build_parser
    from engine import params as prm

    args = build_parser(ELLIPSES, "ellipses").parse_args(["--a", "2", "--b", "1", *argv])
    p = prm.from_args(NetParams, args)
    sol = ELLIPSES.run(p, None)
    for suffix in (".svg", ".pdf"):
        ELLIPSES.outputs[suffix](sol, p, tmp_path / f"n{suffix}")
    unit = E.fit_a4_unit(2.0, 1.0) if unit is None else unit
    for read, name in ((read_svg, "n.svg"), (read_pdf, "n.pdf")):
        _, outlines, _, _ = read(tmp_path / name)
        assert np.ptp(outlines[0][:, 0]) == pytest.approx(4 * unit, abs=0.01)
