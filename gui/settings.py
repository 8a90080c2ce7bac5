"""Remembered settings (QSettings): window layout, last folders, workspace."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from engine.jobs import default_workspace


def store() -> QSettings:
    """The workbench's settings: an INI file in the user's config folder (tests point it elsewhere)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "kexue", "workbench")


def last_folder(key: str) -> str:
    return str(store().value(f"folders/{key}", str(Path.home())))


def set_last_folder(key: str, folder: str) -> None:
    store().setValue(f"folders/{key}", folder)


def workspace() -> Path:
    return Path(str(store().value("workspace", str(default_workspace()))))


def set_workspace(path: Path) -> None:
    store().setValue("workspace", str(path))
