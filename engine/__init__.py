"""Kexue Workbench engine: the headless library every client (GUI, CLI, tests) drives.

Nothing under ``engine`` imports Qt, pyqtgraph or ``gui``; a test enforces it.
"""

__version__ = "0.1.0"
