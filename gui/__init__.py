"""Kexue Workbench GUI: one client of :mod:`engine` (PySide6 + pyqtgraph)."""
