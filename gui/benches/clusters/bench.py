"""The Clusters bench (kexue.fm/archives/7006): pick vectors or a graph (or train word
vectors on a corpus), build the author's similarity graph and cluster it as one
background task, then explore the modules — a tree, a map, a module's subgraph, an
item's nearest neighbours — and export them."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from PySide6.QtCore import QModelIndex, QStringListModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from engine import params as prm
from engine.errors import UserError
from engine.graph import export
from engine.graph.data import Vectors
from engine.graph.layout import layout
from engine.graph.readers import BUILTINS
from engine.graph.tasks import ClusterParams
from engine.runs import RunStore, list_runs
from gui.benches.base import Bench
from gui.benches.clusters import jobs
from gui.benches.clusters.boxes import column, group, note, scrolled
from gui.benches.clusters.map_view import ModuleMap, group_color
from gui.benches.clusters.module_graph import ModuleGraphView
from gui.benches.clusters.report import codelength_table, summary_text
from gui.benches.clusters.tree_model import NAME_COLUMN, ModuleFilter, ModuleTreeModel
from gui.benches.clusters.vectors_panel import WordVectorsPanel
from gui.widgets.export import ExportButton, ask_save_path
from gui.widgets.layout import side_by_side_panes
from gui.widgets.params_form import ParamsForm
from gui.widgets.source_picker import SourcePicker
from gui.widgets.table import PandasModel
from gui.widgets.task_bar import TaskBar

FILTER = ("Vectors or graphs (*.txt *.vec *.bin *.npy *.csv *.tsv *.net *.graphml *.gz);;"
          "Vectors (*.txt *.vec *.bin *.npy *.csv);;Graphs (*.csv *.tsv *.txt *.net *.graphml);;All files (*)")
SOURCES = {"digits": "sklearn's 1,797 handwritten digits (8×8 images as 64-d vectors), labelled 0–9.",
           "karate": "Zachary's karate club: 34 members, labelled by the club each joined (a graph).",
           "lesmis": "Les Misérables: 77 characters linked by co-appearance (a weighted graph).",
           "lfr": "An LFR benchmark graph with planted communities as labels (settings below)."}
FILE_NOTE = ("A file: vectors (word2vec text or binary, .npy with a vocabulary beside it, CSV) or a graph "
             "(edge list source,target[,weight], Pajek .net, GraphML), told apart by name and first lines.")
COLOR_BY = ("top module", "innermost module", "label")
EXPORTS = (("Modules (TSV: name, top module, path)…", "modules.tsv", "TSV (*.tsv)", export.write_modules_tsv),
           ("Module tree (JSON)…", "modules.json", "JSON (*.json)", export.write_tree_json),
           ("Infomap .tree…", "modules.tree", "Infomap tree (*.tree)", export.write_infomap_tree),
           ("Infomap .clu…", "modules.clu", "Infomap clu (*.clu)", export.write_clu),
           ("Graph as an edge list…", "edges.csv", "CSV (*.csv);;TSV (*.tsv)",
            lambda r, p: export.write_edges(r.graph, p)),
           ("Vectors (word2vec text)…", "vectors.txt", "word2vec text (*.txt);;word2vec binary (*.bin)",
            lambda r, p: export.write_word2vec(r.vectors, p)))


class ClustersBench(Bench):
    title = "Clusters"
    start_here = ('digits is ready: press Cluster (a few seconds), then click a module in the tree to see it on '
                  'the map; Open… takes vectors, graphs or a trained run.')

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.explored: jobs.Explored | None = None
        self.memory: dict[str, Vectors] = {}  # trained vectors, offered as sources by name
        self.neighbour_items = np.zeros(0, np.int64)
        self._seed = 1

        # -- left, Cluster tab: source, settings, the run and its figures --------------------
        self.picker = SourcePicker(list(BUILTINS), FILTER, "clusters-data")
        self.source_note = note()
        self.runs_menu = self.picker.menu.addMenu("Features of a trained run")
        self.runs_menu.setToolTip("What a trained VAE, Deep INFOMAX or spectral classifier makes of its data")
        self.runs_menu.aboutToShow.connect(self._list_runs)
        self.lfr_form = ParamsForm(jobs.LfrParams)
        self.keep_form("lfr", self.lfr_form)
        self.lfr_box = group("LFR generator", self.lfr_form)
        self.form = ParamsForm(ClusterParams, exclude=("input",))
        self.keep_form("cluster", self.form)
        self.cluster_runner = self.runner(self._clustered)
        self.cluster_runner.cancelled.connect(lambda: self.messages.info("Clustering cancelled; nothing changed."))
        self.cluster_task = TaskBar("Cluster", self.cluster_runner)
        self.primary = (self.cluster_task,)  # what Ctrl+Return starts
        self.summary = note("Pick a source and press Cluster: vectors become a kNN graph (k neighbours kept "
                            "while cosine ≥ the minimum), then InfoMap finds its modules.", rich=True)
        self.codelengths = note(rich=True)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.export_actions = [menu.addAction(text, self._exporter(stem, filters, fn))
                               for text, stem, filters, fn in EXPORTS]
        self.export_button.setMenu(menu)
        self.export_button.setEnabled(False)
        self.export_runner = self.runner(self.messages.info)
        actions = QWidget()  # Export beside Cluster: in sight whatever the result's length
        row = QHBoxLayout(actions)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.cluster_task, 1)
        row.addWidget(self.export_button)
        cluster_tab = column(group("Source", self.picker, self.source_note, self.lfr_box),
                             group("Similarity graph (vectors) and clustering", self.form), actions,
                             group("Result", self.summary, self.codelengths))

        # -- left, Word vectors tab ---------------------------------------------------------------
        self.words = WordVectorsPanel(self, lambda v: self._save(v, "vectors.txt", EXPORTS[-1][2],
                                                                 export.write_word2vec))
        self.words.trained.connect(self._vectors_trained)
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(scrolled(cluster_tab), "Cluster")
        self.left_tabs.addTab(self.words, "Word vectors")
        left = column(self.messages, self.left_tabs, stretch_last=True)

        # -- centre: the map and a module's subgraph ------------------------------------------------
        self.map = ModuleMap()
        self.map.describe = self._describe
        self.map_method = QComboBox()
        self.map_method.addItems(jobs.MAP_METHODS)
        self.map_method.setCurrentText(str(self.recall("map_method", "auto")))
        self.map_method.setToolTip("auto: UMAP (cosine) when installed and ≤ 50k items, else PCA; "
                                   "a graph without vectors is laid out by force")
        self.map_runner = self.runner(self._mapped, latest_wins=True)
        self.map_task = TaskBar("Lay out", self.map_runner)
        self.color_by = QComboBox()
        self.color_by.addItems(COLOR_BY)
        self.map_caption = note()
        map_tab = QWidget()
        ml = QVBoxLayout(map_tab)
        ml.setContentsMargins(2, 2, 2, 2)
        row = QHBoxLayout()
        row.addWidget(QLabel("Map"))
        row.addWidget(self.map_method)
        row.addWidget(self.map_task, 1)
        row.addWidget(QLabel("Colour by"))
        row.addWidget(self.color_by)
        row.addWidget(ExportButton(self.map.plot.scene(), self._map_frame, "clusters-map"))
        ml.addLayout(row)
        ml.addWidget(self.map, 1)
        ml.addWidget(self.map_caption)
        self.module_graph = ModuleGraphView()
        self.graph_caption = note("Select a module in the tree (or click an item) to see its subgraph.")
        graph_tab = QWidget()
        gl = QVBoxLayout(graph_tab)
        gl.setContentsMargins(2, 2, 2, 2)
        gl.addWidget(self.module_graph, 1)
        gl.addWidget(self.graph_caption)
        self.views = QTabWidget()
        self.views.addTab(map_tab, "Map")
        self.views.addTab(graph_tab, "Module graph")

        # -- right: the module tree and the nearest neighbours -----------------------------------------
        self.tree_filter = QLineEdit()
        self.tree_filter.setPlaceholderText("filter modules by name or path…")
        self.tree_filter.setClearButtonEnabled(True)
        self.tree_model = ModuleTreeModel()
        self.tree_proxy = ModuleFilter(self.tree_model)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_proxy)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setToolTip("Each module is named by its members with the most flow; hover for more of them")
        header = self.tree.header()
        header.setStretchLastSection(False)
        for col in range(self.tree_model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch if col == NAME_COLUMN else
                                        QHeaderView.ResizeMode.ResizeToContents)
        tree_box = group("Modules", self.tree_filter, self.tree)
        self.search = QLineEdit()
        self.search.setPlaceholderText("an item: a word, a name…")
        self.search.setClearButtonEnabled(True)
        self.completer = QCompleter(QStringListModel([]), self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search.setCompleter(self.completer)
        self.search_button = QPushButton("Find")
        self.k = QSpinBox()
        self.k.setRange(1, 200)
        self.k.setValue(10)
        self.k.setToolTip("how many neighbours to list")
        self.found = note(rich=True)
        self.neighbours = PandasModel()
        self.neighbour_view = QTableView()
        self.neighbour_view.setModel(self.neighbours)
        self.neighbour_view.verticalHeader().setVisible(False)
        self.neighbour_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.neighbour_view.horizontalHeader().setStretchLastSection(True)
        self.neighbour_view.setToolTip("Click a neighbour to go to it and its module")
        ask = QWidget()
        row = QHBoxLayout(ask)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.search, 1)
        row.addWidget(self.k)
        row.addWidget(self.search_button)
        search_box = group("Nearest neighbours", ask, self.found, self.neighbour_view)
        explore = QSplitter(Qt.Orientation.Vertical)
        explore.addWidget(tree_box)
        explore.addWidget(search_box)
        explore.setSizes([480, 320])
        right = QSplitter(Qt.Orientation.Horizontal)
        right.addWidget(self.views)
        right.addWidget(explore)
        right.setStretchFactor(0, 1)
        right.setSizes([560, 380])
        self.splitter = side_by_side_panes(self, left, right, 350)
        self.splitters = {"main": self.splitter, "views": right, "explore": explore}

        # -- wiring ------------------------------------------------------------------------------------
        self.picker.source_changed.connect(self._source_changed)
        self.cluster_task.button.clicked.connect(self.cluster)
        self.map_task.button.clicked.connect(self.relayout)
        self.map_method.currentTextChanged.connect(lambda t: self.remember("map_method", t))
        self.color_by.currentTextChanged.connect(self._recolor)
        self.map.item_clicked.connect(self.select_item)
        self.module_graph.item_clicked.connect(self.select_item)
        self.module_graph.module_clicked.connect(self.select_module)
        self.tree_filter.textChanged.connect(self.tree_proxy.setFilterFixedString)
        self.tree.selectionModel().currentChanged.connect(lambda cur, _: self._module_chosen(cur))
        self.search.returnPressed.connect(self.find)
        self.search_button.clicked.connect(self.find)
        self.neighbour_view.clicked.connect(lambda index: self.select_item(int(self.neighbour_items[index.row()])))
        self._source_changed(self.picker.source())

    # -- source and clustering -------------------------------------------------------------------
    def _source_changed(self, source: str) -> None:
        self.lfr_box.setVisible(source == "lfr")
        known = SOURCES.get(source)
        if known is None and source in self.memory:
            known = f"Word vectors trained here: {len(self.memory[source]):,} words."
        if known is None and (Path(source) / "config.json").is_file():
            known = (f"The features of the trained run {Path(source).name}: every item of its data through its "
                     "model (a VAE's μ, Deep INFOMAX's μ, the spectra net's penultimate layer), labelled as the "
                     "data is.")
        self.source_note.setText(known or FILE_NOTE)

    def _list_runs(self) -> None:
        """The workspace's finished or stopped runs that have features, newest first."""
        from engine.train.features import feature_jobs  # torch, imported when first asked for

        self.runs_menu.clear()
        able = feature_jobs()
        runs = [r for r in list_runs(self.workspace)
                if r.job in able and r.problem is None and r.status != "running"
                and any(RunStore(r.path).has_checkpoint(c) for c in ("best", "last"))]
        for r in runs[:40]:
            action = self.runs_menu.addAction(f"{r.run_id} — {able[r.job]}, {r.status}")
            action.triggered.connect(lambda _=False, path=r.path: self.picker.set_source(str(path)))
        if not runs:
            self.runs_menu.addAction("No trained VAE, Deep INFOMAX or spectra run yet: train one in the Models "
                                     "or Spectra bench").setEnabled(False)

    def source(self) -> str | Vectors:
        """What the cluster task reads: trained vectors, an LFR graph's settings, a built-in or a file."""
        name = self.picker.source()
        if name in self.memory:
            return self.memory[name]
        return jobs.lfr_source(self.lfr_form.params()) if name == "lfr" else name

    def cluster(self) -> None:
        try:
            p, source = self.form.params(), self.source()
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return
        if not source:
            self.messages.error("Pick a source: a built-in set, or Open… a vectors or graph file.")
            return
        self._seed = p.seed
        self.submit(self.cluster_runner, lambda ctx: jobs.explore(source, p, ctx))

    def _clustered(self, e: jobs.Explored) -> None:
        self.explored = e
        r = e.result
        self.summary.setText(summary_text(e))
        self.codelengths.setText(codelength_table(r))
        self.export_button.setEnabled(True)
        self.export_actions[-1].setEnabled(r.vectors is not None)
        self.tree_model.set_tree(r.tree, e.names)
        self.tree.expandToDepth(0)
        self.completer.setModel(QStringListModel(e.names, self.completer))
        self.neighbours.set_frame(pd.DataFrame())
        self.neighbour_items = np.zeros(0, np.int64)
        self.found.setText("")
        self.module_graph.clear()
        labelled = r.labels is not None
        index = self.color_by.findText("label")
        self.color_by.model().item(index).setEnabled(labelled)
        if not labelled and self.color_by.currentText() == "label":
            self.color_by.setCurrentText("top module")
        groups, legend = self._groups()
        self.map.set_points(e.coords, groups, e.images, legend, e.names, np.argsort(-r.tree.item_flow))
        self._caption()
        if r.vectors is not None and jobs.wants_umap(self.map_method.currentText(), len(e.names)):
            self.relayout()

    def _groups(self) -> tuple[np.ndarray, list[str] | None]:
        e = self.explored
        tree = e.result.tree
        how = self.color_by.currentText()
        if how == "label" and e.result.labels is not None:
            names, codes = np.unique(np.asarray(e.result.labels).astype(str), return_inverse=True)
            return codes, list(names)
        return (tree.leaf_module if how == "innermost module" else tree.top - 1), None

    def _recolor(self) -> None:
        if self.explored is not None:
            self.map.recolor(*self._groups())

    def _caption(self) -> None:
        e = self.explored
        hover = "its image" if e.images is not None else "its name"
        self.map_caption.setText(f"{len(e.names):,} items, {e.map_method} map; colours repeat after 20 modules. "
                                 f"Hover a point for {hover}, click it for its neighbours and module.")

    def _map_frame(self) -> pd.DataFrame:
        e = self.explored
        if e is None:
            return pd.DataFrame(columns=["name", "x", "y", "module"])
        tree = e.result.tree
        return pd.DataFrame({"name": e.names, "x": e.coords[:, 0], "y": e.coords[:, 1],
                             "module": [tree.item_path(i) for i in range(len(e.names))]})

    def relayout(self) -> None:
        e = self.explored
        if e is None:
            self.messages.info("Cluster something first; the map shows its items.")
            return
        if e.vectors is None:
            self.messages.info("A graph without vectors keeps its force-directed layout; PCA and UMAP need vectors.")
            return
        seed, use_umap = self._seed, jobs.wants_umap(self.map_method.currentText(), len(e.names))
        vectors = e.vectors
        if use_umap:
            self.map_runner.submit(lambda ctx: (e, "umap", jobs.umap_map(vectors, seed, ctx)))
        else:
            self.map_runner.submit(lambda ctx: (e, "pca", layout(vectors, "pca", seed)[0]))

    def _mapped(self, outcome: tuple) -> None:
        e, how, coords = outcome
        if e is not self.explored:  # a newer clustering replaced it meanwhile
            return
        e.coords, e.map_method = coords, how
        self.map.set_coords(coords)
        self._caption()

    # -- exploring -------------------------------------------------------------------------------
    def _describe(self, item: int) -> str:
        e = self.explored
        tree = e.result.tree
        leaf = int(tree.leaf_module[item])
        text = f"{e.names[item]}\nmodule {tree.path_text(leaf)} ({tree.names[leaf]})"
        if e.result.labels is not None:
            text += f"\nlabel {e.result.labels[item]}"
        return text

    def select_module(self, module: int) -> None:
        """Make ``module`` the tree's current row (clearing a filter that hides it)."""
        index = self.tree_proxy.mapFromSource(self.tree_model.index_of(module))
        if not index.isValid():
            self.tree_filter.clear()
            index = self.tree_proxy.mapFromSource(self.tree_model.index_of(module))
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)

    def _module_chosen(self, current: QModelIndex) -> None:
        module = self.tree_model.module(self.tree_proxy.mapToSource(current))
        e = self.explored
        if module < 0 or e is None:
            return
        tree = e.result.tree
        color = group_color(tree.path[module][0] - 1)
        self.map.highlight(jobs.members_of(e, module))
        view = jobs.module_view(e.result, module, seed=self._seed)
        outside = view.modules[view.modules >= 0]
        self.module_graph.show_view(view, color, np.array([tree.path[m][0] - 1 for m in outside], np.int64))
        shown = int((view.items >= 0).sum())
        self.graph_caption.setText(
            f"Module {tree.path_text(module)} ({tree.names[module]}): {view.size:,} items, flow "
            f"{100 * tree.flow[module]:.2f}%; {shown:,} with the most flow drawn, {len(outside)} neighbouring "
            f"modules as squares; {100 * view.outside:.1f}% of its link weight leaves it. Click a square to go there.")

    def select_item(self, item: int) -> None:
        """Show an item: its neighbours, its module in the tree, on the map and as a subgraph."""
        e = self.explored
        if e is None:
            return
        idx, frame = jobs.neighbours(e, item, self.k.value())
        self.neighbour_items = idx
        self.neighbours.set_frame(frame)
        self.neighbour_view.resizeColumnsToContents()
        tree = e.result.tree
        leaf = int(tree.leaf_module[item])
        self.found.setText(f"<b>{escape(e.names[item])}</b> is in module <b>{tree.path_text(leaf)}</b> "
                           f"({escape(tree.names[leaf])}). Its nearest {len(idx)} by {frame.columns[1]}:")
        self.map.mark(item)
        self.select_module(leaf)

    def find(self) -> None:
        text = self.search.text().strip()
        if not text:
            return
        if self.explored is None:
            self.messages.info("Cluster something first; then find an item among them.")
            return
        try:
            self.select_item(jobs.find(self.explored, text))
        except UserError as exc:
            self.messages.error(str(exc))

    # -- word vectors --------------------------------------------------------------------------------
    def _vectors_trained(self, name: str, vectors: Vectors) -> None:
        self.memory[name] = vectors
        self.picker.set_source(name)
        self.left_tabs.setCurrentIndex(0)

    # -- export ----------------------------------------------------------------------------------------
    def _exporter(self, stem: str, filters: str, write: Callable) -> Callable[[], None]:
        def run() -> None:
            if self.explored is not None:
                self._save(self.explored.result, stem, filters, write)
        return run

    def _save(self, what, stem: str, filters: str, write: Callable) -> None:
        path = ask_save_path(self, "Export", "clusters-export", stem, filters)
        if path is None:
            return
        self.submit(self.export_runner, lambda ctx: (write(what, path), f"Wrote {path}.")[1])
