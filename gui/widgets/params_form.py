"""A form built from a params dataclass (engine.params): one editor per field,
its help as the tooltip, its range and choices enforced by the editor."""

from __future__ import annotations

import math
import re
from typing import Any

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSlider,
    QSpinBox,
    QWidget,
)

from engine import params as prm

DECIMALS = 10  # a run's config may hold 1e-7: Run again must not round it to 0 ("off")


class TrimmedSpinBox(QDoubleSpinBox):
    """A double spin box that keeps ten decimals for what is typed or restored (0.99999, 1e-07
    — what a run's config may hold, so *Run again* restores it) but shows no trailing zeros:
    0.5, not 0.5000000000.  It also takes a value typed in scientific notation (1e-5, with the
    locale's decimal point); a plain number out of range is let through while typed, as the
    start of one (5 → 5e-4), and put back on leaving the box if it stays out of range."""

    def __init__(self) -> None:
        super().__init__()
        self.setDecimals(DECIMALS)

    def _patterns(self) -> tuple[re.Pattern, re.Pattern]:
        point = re.escape(self.locale().decimalPoint())
        mantissa = rf"[+-]?(\d+{point}?\d*|{point}\d+)"
        return re.compile(rf"^{mantissa}[eE][+-]?\d*$"), re.compile(rf"^{mantissa}$")  # 1e- while typed

    def _scientific(self, text: str) -> float | None:
        """The number ``text`` writes in scientific notation; None for other text, NaN while unfinished."""
        if not self._patterns()[0].match(text.strip()):
            return None
        try:
            return float(text.strip().replace(self.locale().decimalPoint(), "."))
        except ValueError:
            return math.nan

    def validate(self, text: str, pos: int) -> object:  # Qt's override
        value = self._scientific(text)
        if value is not None:
            inside = self.minimum() <= value <= self.maximum() and (value == 0 or round(value, DECIMALS) != 0)
            return (QValidator.State.Acceptable if inside else QValidator.State.Intermediate), text, pos
        state = super().validate(text, pos)
        if state[0] == QValidator.State.Invalid and self._patterns()[1].match(text.strip()):
            return QValidator.State.Intermediate, text, pos  # "5" out of range, on its way to "5e-4"
        return state

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's override
        value = self._scientific(text)
        return super().valueFromText(text) if value is None or math.isnan(value) else value

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's override
        locale = QLocale(self.locale())
        locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
        text = locale.toString(value, "f", self.decimals())
        point, zero = locale.decimalPoint(), locale.zeroDigit()
        if point in text:
            text = text.rstrip(zero).rstrip(point)
        return zero if text == locale.negativeSign() + zero else text  # −0 shows as 0


class SliderSpin(QWidget):
    """A slider over a practical range, tied to a spin box that takes any allowed value."""

    valueChanged = Signal(float)  # noqa: N815 - Qt naming, like the editors it stands beside
    STEPS = 1000

    def __init__(self, spec: prm.ParamSpec) -> None:
        super().__init__()
        self.lo, self.hi = spec.slider
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.STEPS)
        self.spin = TrimmedSpinBox()
        self.spin.setRange(spec.minimum if spec.minimum is not None else -1e12,
                           spec.maximum if spec.maximum is not None else 1e12)
        self.spin.setSingleStep((self.hi - self.lo) / 100)
        self.spin.setKeyboardTracking(False)  # typing "2.5" is one change, not three
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        self.setValue(spec.default)

    def _from_slider(self, step: int) -> None:
        self.spin.setValue(self.lo + (self.hi - self.lo) * step / self.STEPS)

    def _from_spin(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round((min(max(value, self.lo), self.hi) - self.lo) / (self.hi - self.lo) * self.STEPS))
        self.slider.blockSignals(False)
        self.valueChanged.emit(value)

    def value(self) -> float:
        return self.spin.value()

    def setValue(self, value: float) -> None:  # noqa: N802 - Qt naming
        self.spin.setValue(value)


class ParamsForm(QWidget):
    changed = Signal()

    def __init__(self, cls: type, parent: QWidget | None = None, exclude: tuple[str, ...] = ()) -> None:
        """``exclude``: fields the bench sets elsewhere (an input chosen beside the form)."""
        super().__init__(parent)
        self.cls = cls
        self.hidden: dict[str, Any] = {}
        self.editors: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for spec in prm.specs(cls):
            if not spec.gui or spec.name in exclude:
                self.hidden[spec.name] = spec.default
                continue
            editor = self._editor(spec)
            editor.setToolTip(spec.help)
            editor.setObjectName(f"param_{spec.name}")
            self.editors[spec.name] = editor
            layout.addRow(spec.label, editor)
        self._specs = {s.name: s for s in prm.specs(cls)}

    def _editor(self, spec: prm.ParamSpec) -> QWidget:
        if spec.slider is not None and spec.type is float:
            w = SliderSpin(spec)
            w.valueChanged.connect(self.changed)
        elif spec.choices is not None:
            w = QComboBox()
            w.addItems([str(c) for c in spec.choices])
            w.setCurrentText(str(spec.default))
            w.currentTextChanged.connect(self.changed)
        elif spec.type is bool:
            w = QCheckBox()
            w.setChecked(bool(spec.default))
            w.toggled.connect(self.changed)
        elif spec.type is int:
            w = QSpinBox()
            w.setRange(max(-2**31, int(spec.minimum if spec.minimum is not None else -2**31)),  # a spin box
                       min(2**31 - 1, int(spec.maximum if spec.maximum is not None else 2**31 - 1)))  # is int32
            w.setValue(spec.default)
            w.setSpecialValueText(zero_means(spec))
            w.valueChanged.connect(self.changed)
        elif spec.type is float and ((spec.minimum is not None and spec.minimum > 0 and spec.maximum is not None
                                      and spec.maximum / spec.minimum > 1e4)
                                     or 0 < abs(spec.default) < 1e-3):
            w = QLineEdit(f"{spec.default:g}")  # spans decades or is tiny (a learning rate, a tolerance): typed
            w.textChanged.connect(self.changed)
        elif spec.type is float:
            w = TrimmedSpinBox()
            w.setSingleStep(0.05)
            w.setRange(spec.minimum if spec.minimum is not None else -1e12,
                       spec.maximum if spec.maximum is not None else 1e12)
            w.setValue(spec.default)
            w.setSpecialValueText(zero_means(spec))
            w.valueChanged.connect(self.changed)
        else:
            w = QLineEdit(str(spec.default))
            w.textChanged.connect(self.changed)
        return w

    def values(self) -> dict[str, Any]:
        out = dict(self.hidden)
        for name, w in self.editors.items():
            spec = self._specs[name]
            if isinstance(w, QComboBox):
                out[name] = type(spec.default)(w.currentText())
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox, SliderSpin)):
                out[name] = w.value()
            else:
                text = w.text().strip()
                if spec.type is float:
                    try:
                        out[name] = float(text)
                    except ValueError:
                        raise prm.ParamError(f"{spec.label}: {text!r} is not a number") from None
                else:
                    out[name] = text
        return out

    def params(self, **overrides: Any) -> Any:
        """The dataclass for the current values (and ``overrides``); raises ParamError naming the bad field."""
        return prm.from_dict(self.cls, {**self.values(), **overrides})

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            w = self.editors.get(name)
            if w is None:
                if name in self.hidden:
                    self.hidden[name] = value
                continue
            if isinstance(w, QComboBox):
                w.setCurrentText(str(value))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, (QSpinBox, QDoubleSpinBox, SliderSpin)):
                w.setValue(value)
            else:
                w.setText(f"{value:g}" if isinstance(value, float) else str(value))


def zero_means(spec: prm.ParamSpec) -> str:
    """What a spin box shows at 0 when the help gives 0 a meaning ("0: all" → "all", "0: the
    method's default" → "auto"), so a 0 that means "the author's value" does not read as zero."""
    if spec.minimum != 0:
        return ""
    found = re.search(r"\b0: ([^,;)]+)", spec.help)
    if found is None:
        return ""
    said = found.group(1).strip()
    return said if len(said) <= 10 and not said.startswith("the ") else "auto"
