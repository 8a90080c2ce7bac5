"""One declaration per job: a frozen dataclass whose fields carry their help,
choices and ranges.  The GUI builds its form from it, the CLI its flags, and
the run folder records it as ``config.json`` — nothing is declared twice.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import typing
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from engine.errors import UserError


class ParamError(UserError, ValueError):
    """A parameter value outside its declared choices or range."""


def param(
    default: Any,
    help: str,
    *,
    choices: Sequence[Any] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    label: str | None = None,
    gui: bool = True,
    slider: tuple[float, float] | None = None,
    positional: bool = False,
    group: str = "",
    off_flag: str | None = None,
    validate: Callable[[Any], Any] | None = None,
) -> Any:
    """Declare a job parameter: a dataclass field with its documentation.

    ``slider`` is the range a GUI slider spans (values outside it can still be typed);
    ``positional`` makes it a positional argument of the CLI verb (an input file); ``off_flag`` gives a
    bool a second, plain-language flag that turns it off (``--undirected`` beside ``--directed``);
    ``validate`` reads a value with a grammar of its own (a schedule) and raises :class:`ParamError`,
    so :func:`check` refuses it before a job starts, as it does a value out of range."""
    meta = {"help": help, "choices": tuple(choices) if choices else None,
            "minimum": minimum, "maximum": maximum, "label": label, "gui": gui, "slider": slider,
            "positional": positional, "group": group, "off_flag": off_flag, "validate": validate}
    return dataclasses.field(default=default, metadata=meta)


def like(cls: type, name: str, default: Any, **changes: Any) -> Any:
    """The field ``name`` of ``cls`` with another default (and optionally other metadata).

    A job that inherits shared fields (:class:`engine.train.params.TrainParams`) changes
    its defaults with this instead of declaring the field again."""
    base = {f.name: f for f in dataclasses.fields(cls)}[name]
    return dataclasses.field(default=default, metadata={**base.metadata, **changes})


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: type
    default: Any
    help: str
    choices: tuple | None
    minimum: float | None
    maximum: float | None
    label: str
    gui: bool
    slider: tuple[float, float] | None = None
    positional: bool = False
    group: str = ""
    off_flag: str | None = None
    validate: Callable[[Any], Any] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def title(self) -> str:
        """How a message names the field for both readers: its form label and its flag."""
        return self.label if self.positional else f"{self.label} ({self.flag})"


def specs(cls: type) -> list[ParamSpec]:
    """The parameter specs of a params dataclass: its own fields in declaration order, then
    those of a shared group (the training fields), so a form shows what is particular first."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        m = f.metadata
        out.append(ParamSpec(
            name=f.name, type=hints[f.name], default=f.default, help=m.get("help", ""),
            choices=m.get("choices"), minimum=m.get("minimum"), maximum=m.get("maximum"),
            label=m.get("label") or f.name.replace("_", " ").capitalize(), gui=m.get("gui", True),
            slider=m.get("slider"), positional=m.get("positional", False), group=m.get("group", ""),
            off_flag=m.get("off_flag"), validate=m.get("validate")))
    return [s for s in out if not s.group] + [s for s in out if s.group]


def check(params: Any) -> None:
    """Raise :class:`ParamError` naming the first field outside its declaration (by its
    label and flag: the form and the command line both read the message)."""
    for s in specs(type(params)):
        value, name = getattr(params, s.name), s.title
        if s.type in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParamError(f"{name} must be a number; got {value!r}")
            if not math.isfinite(value):
                raise ParamError(f"{name} must be a finite number; got {value}")
        if s.choices is not None and value not in s.choices:
            raise ParamError(f"{name} must be one of {', '.join(map(str, s.choices))}; got {value!r}")
        if s.minimum is not None and value < s.minimum:
            raise ParamError(f"{name} must be ≥ {_shown(s.minimum)}; got {_shown(value)}")
        if s.maximum is not None and value > s.maximum:
            raise ParamError(f"{name} must be ≤ {_shown(s.maximum)}; got {_shown(value)}")
        if s.validate is not None:
            try:
                s.validate(value)
            except ParamError as exc:
                raise ParamError(f"{name}: {exc}") from None


def _shown(value: float) -> str:
    """A bound or value as a user typed it: 0.99999, 1e-07, 65536 (not 0.99999000000000004)."""
    return str(value) if isinstance(value, int) else f"{value:.10g}"


def to_dict(params: Any) -> dict[str, Any]:
    return dataclasses.asdict(params)


def from_dict(cls: type, values: dict[str, Any]) -> Any:
    """Build params from a saved config; unknown keys are dropped, missing ones defaulted."""
    known = {s.name: s for s in specs(cls)}
    kwargs = {k: _coerce(known[k].type, v) for k, v in values.items() if k in known}
    params = cls(**kwargs)
    check(params)
    return params


def _coerce(kind: type, value: Any) -> Any:
    if kind is bool:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if kind in (int, float, str):
        return kind(value)
    return value


def add_arguments(parser: argparse.ArgumentParser, cls: type) -> None:
    """Add one ``--flag`` per field, documented from the declaration."""
    for s in specs(cls):
        if s.positional:
            parser.add_argument(s.name, type=s.type, help=s.help, metavar=s.name.upper())
            continue
        extra = []
        if s.minimum is not None or s.maximum is not None:
            extra.append(f"range {s.minimum if s.minimum is not None else '-∞'}…"
                         f"{s.maximum if s.maximum is not None else '∞'}")
        default = "none" if s.default == "" else s.default
        help_text = f"{s.help} (default: {default}{'; ' + '; '.join(extra) if extra else ''})"
        if s.type is bool:
            parser.add_argument(s.flag, dest=s.name, action=argparse.BooleanOptionalAction,
                                default=s.default, help=help_text)
            if s.off_flag:
                parser.add_argument(s.off_flag, dest=s.name, action="store_false",
                                    help=f"the same as --no-{s.flag[2:]}")
        else:
            parser.add_argument(s.flag, dest=s.name, type=s.type, default=s.default,
                                choices=s.choices, help=help_text, metavar=s.name.upper()
                                if s.choices is None else None)


def from_args(cls: type, namespace: argparse.Namespace) -> Any:
    params = cls(**{s.name: getattr(namespace, s.name) for s in specs(cls)})
    check(params)
    return params
