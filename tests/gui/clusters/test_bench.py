"""The Clusters bench, driven as a user drives it: sources, the cluster task, the tree, the map,
the neighbours, cancel, bad input, exports and word vectors trained here."""

import json
import random
import re

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, QPointF, Qt
from sklearn.datasets import load_digits
from sklearn.metrics import normalized_mutual_info_score

from gui.benches.clusters.map_view import PALETTE, group_color
from gui.benches.clusters.point_cloud import argb


@pytest.fixture
def cb(shown_bench):
    from gui.benches.clusters import ClustersBench

    b = shown_bench(ClustersBench)
    b.map_method.setCurrentText("pca")  # UMAP's numba start-up takes a minute here; it has its own test
    return b


def finish(qtbot, runner, timeout=120000):
    qtbot.waitUntil(lambda: not runner.busy, timeout=timeout)


def clustered(qtbot, cb, source, **values):
    cb.picker.set_source(source)
    cb.form.set_values(values)
    qtbot.mouseClick(cb.cluster_task.button, Qt.MouseButton.LeftButton)
    finish(qtbot, cb.cluster_runner)
    assert cb.messages.level != "error", cb.messages.message()
    return cb.explored


@pytest.fixture
def digits_bench(qtbot, cb):
    clustered(qtbot, cb, "digits")
    return cb


def shown_numbers(text):
    return [float(x) for x in re.findall(r"\d+\.\d{6}", text)]


def test_digits_end_to_end(qtbot, digits_bench):
    cb = digits_bench
    e = cb.explored
    tree = e.result.tree
    digits = load_digits()
    # the tree lists the top modules; their sizes add up to every image
    model = cb.tree_model
    assert model.rowCount() == tree.num_top > 5
    assert sum(int(model.data(model.index(i, 3)).replace(",", "")) for i in range(model.rowCount())) == 1797
    # NMI against the digits' labels, by sklearn from the modules shown
    nmi = normalized_mutual_info_score(digits.target, tree.top)
    assert nmi > 0.7 and f"NMI {nmi:.3f}" in cb.summary.text()
    # the map equation: index + module codebooks = L(M), and ours equals the package's figure
    index, module, ours, package, one = shown_numbers(cb.codelengths.text())
    assert index + module == pytest.approx(ours, abs=2e-6)
    assert ours == pytest.approx(package, abs=2e-6) and "agree" in cb.codelengths.text()
    assert one > ours
    # the map: every image once, coloured by its top module
    assert len(cb.map.cloud.xy) == 1797
    assert list(cb.map.cloud.colors) == [argb(group_color(int(t) - 1)) for t in tree.top]


def test_hover_shows_the_digit(qtbot, digits_bench):
    cb = digits_bench
    coords = cb.explored.coords
    d = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    lonely = int(np.argmax(d.min(axis=1)))  # no other point near it
    scene = cb.map.view.mapViewToScene(QPointF(float(coords[lonely, 0]), float(coords[lonely, 1])))
    cb.map.plot.scene().sigMouseMoved.emit(scene)
    qtbot.waitUntil(cb.map.tip.isVisible, timeout=5000)
    assert cb.map.tip.text.text().split("\n")[0] == str(lonely)
    pixmap = cb.map.tip.image.pixmap()
    assert not pixmap.isNull() and pixmap.width() == 64
    image = pixmap.toImage()
    ink = load_digits().images[lonely]
    dark, light = np.unravel_index(np.argmax(ink), ink.shape), np.unravel_index(np.argmin(ink), ink.shape)
    pick = lambda rc: image.pixelColor(rc[1] * 8 + 4, rc[0] * 8 + 4).value()  # noqa: E731
    assert pick(dark) < pick(light)  # dark ink on white, where the image has it


def test_karate_club(qtbot, cb):
    import networkx as nx

    e = clustered(qtbot, cb, "karate", directed=False)
    g = nx.karate_club_graph()
    assert e.result.graph.n == 34 and len(cb.map.coords) == 34
    clubs = [g.nodes[v]["club"] for v in g]
    nmi = normalized_mutual_info_score(clubs, e.result.tree.top)
    assert f"NMI {nmi:.3f}" in cb.summary.text()
    # undirected flow: p = strength / 2W, so the one-module code is the entropy of the strengths
    s = np.array([d for _, d in g.degree(weight="weight")], float)
    p = s / s.sum()
    *_, ours, package, one = shown_numbers(cb.codelengths.text())
    assert one == pytest.approx(-(p * np.log2(p)).sum(), abs=2e-6)
    assert ours == pytest.approx(package, abs=2e-6)
    # a member's neighbours in a graph without vectors: its links by weight (networkx's)
    cb.search.setText("0")
    cb.find()
    frame = cb.neighbours.frame
    weights = {str(v): d["weight"] for v, d in g[0].items()}
    assert list(frame["weight"]) == sorted(weights.values(), reverse=True)[:10]
    assert all(weights[n] == w for n, w in zip(frame["name"], frame["weight"]))
    # coloured by the two clubs, named in the legend
    cb.color_by.setCurrentText("label")
    assert cb.map.legend.isVisible()
    assert sorted(label.text for _, label in cb.map.legend.items) == ["Mr. Hi", "Officer"]
    assert len(set(cb.map.cloud.colors)) == 2


def test_lfr_planted_partition_is_found(qtbot, cb):
    cb.picker.set_source("lfr")
    assert cb.lfr_box.isVisible()
    cb.lfr_form.set_values({"n": 250, "mu": 0.1, "average_degree": 10, "max_degree": 30, "min_community": 20,
                            "max_community": 60, "seed": 3})
    e = clustered(qtbot, cb, "lfr", directed=False)
    assert e.result.graph.n == 250
    assert normalized_mutual_info_score(e.result.labels, e.result.tree.top) == pytest.approx(1.0)
    assert "NMI 1.000" in cb.summary.text()


def test_a_module_click_highlights_its_points(qtbot, digits_bench):
    cb = digits_bench
    tree, coords = cb.explored.result.tree, cb.explored.coords
    index = cb.tree_proxy.index(2, 0)  # sorted by rank: the third module by flow
    rect = cb.tree.visualRect(index)
    qtbot.mouseClick(cb.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    members = np.flatnonzero(tree.top == 3)
    assert sorted(cb.map.highlighted) == list(members)
    # drawn: members on top in their module's colour, the rest faded
    picture = cb.map.plot.grab().toImage()

    def pixel(item):
        scene = cb.map.view.mapViewToScene(QPointF(float(coords[item, 0]), float(coords[item, 1])))
        at = cb.map.plot.mapFromScene(scene)
        return picture.pixelColor(at.x(), at.y()).name()

    colour = group_color(2)
    assert all(pixel(i) == colour for i in members[:50])
    apart = [i for i in range(1797) if tree.top[i] != 3 and
             np.abs(coords[members] - coords[i]).max(axis=1).min() > 0.08 * np.ptp(coords[:, 0])][:30]
    assert apart and not any(pixel(i) in PALETTE for i in apart)
    # the module graph draws its members with the most flow, and neighbouring modules as squares
    view = cb.module_graph.current
    assert set(view.items[view.items >= 0]) <= set(members) and view.size == len(members)
    outside = view.modules[view.modules >= 0]
    assert len(outside) and not np.isin(outside, [int(np.flatnonzero(tree.parent < 0)[2])]).any()
    # clicking a square goes to that module
    scatter = cb.module_graph.graph.scatter
    square = next(p for p in scatter.points() if view.modules[int(p.data())] >= 0)
    scatter.sigClicked.emit(scatter, [square], None)
    current = cb.tree_model.module(cb.tree_proxy.mapToSource(cb.tree.currentIndex()))
    assert current == view.modules[int(square.data())]


def test_multilevel_tree_nests_sorts_and_filters(qtbot, cb):
    e = clustered(qtbot, cb, "digits", levels="multi")
    tree = e.result.tree
    assert tree.levels > 2 and "levels" in cb.summary.text()
    proxy, model = cb.tree_proxy, cb.tree_model
    assert proxy.rowCount() == tree.num_top
    # a submodule: its row sits under its parent, and selecting it highlights just its items
    sub = int(np.flatnonzero(tree.parent >= 0)[0])
    index = proxy.mapFromSource(model.index_of(sub))
    assert model.module(proxy.mapToSource(index.parent())) == tree.parent[sub]
    cb.tree.setCurrentIndex(index)
    inside = [i for i in range(1797) if sub in tree.ancestors[tree.leaf_module[i]]]
    assert sorted(cb.map.highlighted) == inside and cb.module_graph.current.size == len(inside)
    # sorted by size, largest first
    cb.tree.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    sizes = [int(proxy.data(proxy.index(r, 3)).replace(",", "")) for r in range(proxy.rowCount())]
    assert sizes == sorted(tree.size[tree.parent < 0], reverse=True)
    # filtered by a member's name: the modules named after it, with the path down to them
    name = tree.names[sub].split(", ")[0]
    cb.tree_filter.setText(name)
    shown = []

    def walk(parent):
        for r in range(proxy.rowCount(parent)):
            child = proxy.index(r, 0, parent)
            shown.append(model.module(proxy.mapToSource(child)))
            walk(child)

    walk(QModelIndex())
    named = {m for m in range(tree.num_modules) if name in tree.names[m] or name in tree.path_text(m)}
    above = {int(a) for m in named for a in tree.ancestors[m] if a >= 0}
    assert sub in named and sorted(shown) == sorted(named | above)


def test_search_lists_neighbours(qtbot, digits_bench):
    cb = digits_bench
    tree = cb.explored.result.tree
    cb.search.setText("100")  # typed keys would open the completer popup, which offscreen Qt warns about
    qtbot.keyClick(cb.search, Qt.Key.Key_Return)
    x = load_digits().data
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    sims = unit @ unit[100]
    sims[100] = -np.inf
    best = np.argsort(-sims)[:10]
    frame = cb.neighbours.frame
    assert len(frame) == 10
    np.testing.assert_allclose(frame["cosine"], sims[best], atol=1e-4)  # the ten best, in order
    np.testing.assert_allclose(frame["cosine"], [sims[int(n)] for n in frame["name"]], atol=1e-4)
    assert list(frame["module"]) == [tree.path_text(int(tree.leaf_module[int(n)])) for n in frame["name"]]
    assert "<b>100</b> is in module" in cb.found.text()
    # one click on a neighbour: its module is selected and the item starred on the map
    row = 3
    qtbot.mouseClick(cb.neighbour_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=cb.neighbour_view.visualRect(cb.neighbours.index(row, 0)).center())
    item = int(frame["name"][row])
    current = cb.tree_model.module(cb.tree_proxy.mapToSource(cb.tree.currentIndex()))
    assert current == tree.leaf_module[item]
    mx, my = cb.map.marker.getData()
    assert (mx[0], my[0]) == pytest.approx(tuple(cb.explored.coords[item]))
    # a name that is not there: one line
    cb.search.setText("no such digit")
    cb.find()
    assert cb.messages.level == "error" and "not among the 1,797 items" in cb.messages.message()


def test_cancel_a_long_build(qtbot, cb, tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.random.default_rng(0).normal(size=(40000, 32)).astype(np.float32))
    cb.picker.set_source(str(path))
    qtbot.mouseClick(cb.cluster_task.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "similarities" in cb.cluster_task.status.text(), timeout=60000)
    qtbot.mouseClick(cb.cluster_task.cancel, Qt.MouseButton.LeftButton)
    finish(qtbot, cb.cluster_runner, timeout=30000)
    assert cb.messages.level == "info" and "cancelled" in cb.messages.message()
    assert cb.explored is None and cb.cluster_task.button.isEnabled()


def test_colour_by_label_survives_a_new_layout(qtbot, digits_bench):
    cb = digits_bench
    cb.color_by.setCurrentText("label")
    labels = load_digits().target
    assert list(cb.map.cloud.colors) == [argb(group_color(int(t))) for t in labels]
    assert sorted(label.text for _, label in cb.map.legend.items) == [str(d) for d in range(10)]
    qtbot.mouseClick(cb.map_task.button, Qt.MouseButton.LeftButton)  # PCA again
    finish(qtbot, cb.map_runner)
    assert cb.map.legend.isVisible() and len(cb.map.legend.items) == 10
    assert list(cb.map.cloud.colors) == [argb(group_color(int(t))) for t in labels]


def test_umap_layout_runs_in_a_worker_that_cancel_ends(qtbot, digits_bench):
    cb = digits_bench
    before = cb.explored.coords.copy()
    cb.map_method.setCurrentText("umap")
    qtbot.mouseClick(cb.map_task.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "UMAP" in cb.map_task.status.text(), timeout=30000)
    qtbot.mouseClick(cb.map_task.cancel, Qt.MouseButton.LeftButton)
    finish(qtbot, cb.map_runner, timeout=30000)
    np.testing.assert_array_equal(cb.explored.coords, before)
    assert cb.explored.map_method == "pca"


@pytest.mark.slow
def test_umap_map(qtbot, digits_bench):
    cb = digits_bench
    cb.map_method.setCurrentText("umap")
    qtbot.mouseClick(cb.map_task.button, Qt.MouseButton.LeftButton)
    finish(qtbot, cb.map_runner, timeout=280000)
    assert cb.explored.map_method == "umap" and "umap map" in cb.map_caption.text()
    assert len(cb.map.cloud.xy) == 1797


@pytest.mark.parametrize("name, content", [("broken.npy", b"this is not numpy"),
                                           ("broken.csv", b"a,b,1\nb,c,heavy\n")])
def test_a_bad_file_gives_one_line(qtbot, cb, tmp_path, name, content):
    bad = tmp_path / name
    bad.write_bytes(content)
    cb.picker.set_source(str(bad))
    cb.cluster()
    finish(qtbot, cb.cluster_runner)
    text = cb.messages.message()
    assert cb.messages.level == "error" and name in text and "\n" not in text
    assert cb.explored is None


def test_exports_write_files(qtbot, digits_bench, tmp_path, monkeypatch):
    from gensim.models import KeyedVectors

    cb = digits_bench
    r = cb.explored.result
    names = ["m.tsv", "m.json", "m.tree", "m.clu", "e.csv", "v.txt"]
    targets = iter(tmp_path / n for n in names)
    monkeypatch.setattr("gui.benches.clusters.bench.ask_save_path", lambda *a, **k: next(targets))
    for action in cb.export_actions:
        action.trigger()
        finish(qtbot, cb.export_runner)
        assert cb.messages.level == "info" and "Wrote" in cb.messages.message()
    rows = [line.split("\t") for line in (tmp_path / "m.tsv").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1797 and all(len(row) == 3 for row in rows)
    assert [int(row[1]) for row in rows] == list(r.tree.top) and all(row[2].startswith(row[1] + ":") for row in rows)
    tree = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert len(tree["modules"]) == r.tree.num_top and sum(m["size"] for m in tree["modules"]) == 1797
    body = [ln for ln in (tmp_path / "m.tree").read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert len(body) == 1797
    clu = [ln.split() for ln in (tmp_path / "m.clu").read_text(encoding="utf-8").splitlines() if ln[0] != "#"]
    assert sorted(int(c[0]) for c in clu) == list(range(1797))
    assert len((tmp_path / "e.csv").read_text(encoding="utf-8").splitlines()) == r.graph.num_links + 1
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"))
    np.testing.assert_allclose(kv["17"], load_digits().data[17], rtol=1e-5)
    # the map as a picture and as a table
    from PySide6.QtGui import QImage

    from gui.widgets.export import ExportButton

    button = cb.views.widget(0).findChild(ExportButton)
    for kind in ("png", "csv"):
        monkeypatch.setattr("gui.widgets.export.ask_save_path", lambda *a, k=kind, **kw: tmp_path / f"map.{k}")
        button._save(kind)
    assert QImage(str(tmp_path / "map.png")).width() > 300
    table = pd.read_csv(tmp_path / "map.csv")
    assert len(table) == 1797 and list(table["module"]) == [r.tree.item_path(i) for i in range(1797)]


def chinese_corpus(path, lines=600, seed=0):
    topics = [["妹妹", "姐姐", "哥哥", "弟弟", "妈妈"], ["股权", "证券", "融资", "股票", "基金"],
              ["教师", "教学", "学生", "课堂", "学校"], ["糖尿病", "高血压", "医生", "治疗", "患者"]]
    rng = random.Random(seed)
    text = "\n".join(" ".join(rng.choice(t) for _ in range(12)) for t in (rng.choice(topics) for _ in range(lines)))
    path.write_text(text, encoding="utf-8")
    return topics


@pytest.mark.parametrize("method", ["word2vec", "jose"])
def test_train_word_vectors_then_cluster_them(qtbot, cb, tmp_path, method):
    topics = chinese_corpus(tmp_path / "c.txt")
    cb.left_tabs.setCurrentIndex(1)
    cb.words.corpus.set_source(str(tmp_path / "c.txt"))
    cb.words.form.set_values({"method": method, "dim": 16, "epochs": 4, "min_count": 2, "workers": 1,
                              "window": 3})
    qtbot.mouseClick(cb.words.task.button, Qt.MouseButton.LeftButton)
    finish(qtbot, cb.words.runner)
    assert cb.messages.level != "error", cb.messages.message()
    assert len(cb.words.losses) == 4 and len(cb.words.loss_curve.getData()[0]) == 4  # the loss, epoch by epoch
    assert cb.picker.source().startswith(f"trained {method}: 20 words") and cb.left_tabs.currentIndex() == 0
    e = clustered(qtbot, cb, cb.picker.source(), k=4, min_sim=0.0, directed=False)
    assert sorted(e.names) == sorted(w for t in topics for w in t)
    cb.search.setText("妹妹")
    cb.find()
    assert "<b>妹妹</b> is in module" in cb.found.text() and len(cb.neighbours.frame) == 10


def test_nothing_to_train_on_says_so(qtbot, cb):
    cb.words.corpus.set_source("")
    cb.words.train()
    finish(qtbot, cb.words.runner)
    assert cb.messages.level == "error" and "Pick a corpus" in cb.messages.message()


def test_features_of_a_trained_run_from_the_open_menu(qtbot, cb):
    from engine.jobs import execute
    from engine.train.registry import EXPERIMENTS
    from engine.train.vae import VAEParams

    cb.runs_menu.aboutToShow.emit()  # an empty workspace: one disabled line says what to do
    (empty,) = cb.runs_menu.actions()
    assert not empty.isEnabled() and "train one" in empty.text()
    out = execute(EXPERIMENTS["vae"], VAEParams(epochs=1, latent=4, device="cpu"), cb.workspace)
    cb.runs_menu.aboutToShow.emit()
    (run,) = cb.runs_menu.actions()
    assert run.isEnabled() and out.run_dir.name in run.text() and "Variational autoencoder" in run.text()
    run.trigger()
    assert cb.picker.source() == str(out.run_dir) and "trained run" in cb.source_note.text()
    qtbot.mouseClick(cb.cluster_task.button, Qt.MouseButton.LeftButton)
    finish(qtbot, cb.cluster_runner)
    assert cb.messages.level != "error", cb.messages.message()
    e = cb.explored
    assert e.vectors.matrix.shape == (1797, 4) and "VAE μ" in e.vectors.source
    np.testing.assert_array_equal(e.vectors.labels, load_digits().target)
    assert "NMI" in cb.summary.text()
