"""Shared checks of the robustness tests."""

from pathlib import Path


def leftovers(folder: Path) -> list[str]:
    """Temporary files an atomic writer would leave behind after a failure."""
    return sorted(p.name for p in Path(folder).rglob("*") if p.name.endswith((".tmp", ".part")))


def one_line(exc: BaseException) -> str:
    """The message, checked to be one non-empty line."""
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text, text
    return text
