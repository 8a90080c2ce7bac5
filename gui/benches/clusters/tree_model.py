"""The module tree as a Qt item model, read straight from the engine's
:class:`~engine.graph.tree.ModuleTree` arrays: no item object per module, so a tree of
thousands of modules opens at once.  Columns: path, name (top members by flow), flow
share and size (a level is the path's length).  A sort/filter proxy sorts siblings and keeps the ancestors of
every module that matches the filter."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QSortFilterProxyModel, Qt

from engine.graph.tree import ModuleTree

COLUMNS = ("Module", "Top members", "Flow %", "Size")
TOOLTIP_MEMBERS = 20
NAME_COLUMN = 1


class ModuleTreeModel(QAbstractItemModel):
    def __init__(self) -> None:
        super().__init__()
        self.tree: ModuleTree | None = None
        self.names: list[str] = []
        self._kids: dict[int, np.ndarray] = {}
        self._row = np.zeros(0, np.int64)

    def set_tree(self, tree: ModuleTree | None, item_names: list[str] | None = None) -> None:
        self.beginResetModel()
        self.tree, self.names = tree, item_names or []
        self._kids = {}
        if tree is not None:
            order = np.lexsort((np.arange(tree.num_modules), tree.parent))  # siblings keep their flow order
            parents = tree.parent[order]
            starts = np.r_[0, np.flatnonzero(np.diff(parents)) + 1]
            for a, b in zip(starts, np.r_[starts[1:], len(order)]):
                self._kids[int(parents[a])] = order[a:b]
            self._row = np.empty(tree.num_modules, np.int64)
            for kids in self._kids.values():
                self._row[kids] = np.arange(len(kids))
        self.endResetModel()

    # -- structure --------------------------------------------------------------------
    @staticmethod
    def module(index: QModelIndex) -> int:
        """The module an index stands for (−1 for the root)."""
        return int(index.internalId()) if index.isValid() else -1

    def index_of(self, module: int, column: int = 0) -> QModelIndex:
        return self.createIndex(int(self._row[module]), column, int(module))

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        kids = self._kids.get(self.module(parent))
        if kids is None or not 0 <= row < len(kids) or not 0 <= column < len(COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column, int(kids[row]))

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or self.tree is None:
            return QModelIndex()
        up = int(self.tree.parent[self.module(index)])
        return QModelIndex() if up < 0 else self.index_of(up)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        if parent.isValid() and parent.column() != 0:
            return 0
        kids = self._kids.get(self.module(parent))
        return 0 if kids is None else len(kids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return len(COLUMNS)

    def hasChildren(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: N802
        return self.rowCount(parent) > 0

    # -- content ----------------------------------------------------------------------
    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.tree is None:
            return None
        m, col, tree = self.module(index), index.column(), self.tree
        if role == Qt.ItemDataRole.DisplayRole:
            return (tree.path_text(m), tree.names[m], f"{100 * tree.flow[m]:.2f}", f"{int(tree.size[m]):,}")[col]
        if role == Qt.ItemDataRole.UserRole:  # raw values for sorting
            return (int(tree.path[m][-1]), tree.names[m], float(tree.flow[m]), int(tree.size[m]))[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            shown = tree.members(m)[:TOOLTIP_MEMBERS]
            more = int(tree.size[m]) - len(shown)
            return (f"module {tree.path_text(m)}: " + ", ".join(self.names[i] for i in shown)
                    + (f" … and {more:,} more" if more > 0 else ""))
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class ModuleFilter(QSortFilterProxyModel):
    """Sorted by the raw values; the filter matches a module's path or name (any case) and
    keeps the path down to every match."""

    def __init__(self, model: ModuleTreeModel) -> None:
        super().__init__()
        self.setSourceModel(model)
        self.setSortRole(Qt.ItemDataRole.UserRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setRecursiveFilteringEnabled(True)

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802 - Qt API
        pattern = self.filterRegularExpression()
        model = self.sourceModel()
        return any(pattern.match(str(model.data(model.index(row, col, parent)))).hasMatch()
                   for col in (0, NAME_COLUMN))
