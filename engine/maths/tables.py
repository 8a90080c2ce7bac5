"""The user's tables for the maths bench (HSIC, EM): CSV, TSV or Excel through pandas,
and numeric columns out of them, every failure one line naming the file.

Text files are read as UTF-8 (with or without a byte-order mark) and, failing
that, as GB18030, the encoding Chinese spreadsheets export.  Rows with a missing
value in a chosen column are dropped (the caller reports how many); text in a
numeric column, infinities and too few rows are errors.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from engine.errors import UserError

EXCEL = (".xlsx", ".xlsm", ".xls", ".ods")
ENCODINGS = ("utf-8-sig", "gb18030")


class TableError(UserError):
    pass


def read_table(path: Path | str) -> pd.DataFrame:
    """The table at ``path``: Excel by suffix, tab-separated for .tsv/.tab, comma for .csv,
    the separator sniffed otherwise."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in EXCEL:
        df = _read_excel(path)
    else:
        sep = {".csv": ",", ".tsv": "\t", ".tab": "\t"}.get(suffix)
        df = _read_text(path, sep)
    if df.shape[1] == 0 or df.shape[0] == 0:
        raise TableError(f"{path}: the table has no rows")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """Columns holding numbers (booleans excluded), in table order."""
    return [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]


@dataclass
class Columns:
    names: list[str]
    values: np.ndarray  # (rows kept, len(names)) float64
    dropped: int  # rows dropped for a missing value


def select(df: pd.DataFrame, names: Sequence[str], source: Path | str, min_rows: int = 2) -> Columns:
    """The named columns as floats; rows with a missing value are dropped."""
    if not names:
        raise TableError(f"{source}: no columns chosen")
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise TableError(f"{source}: no column {missing[0]!r} (columns: {', '.join(map(str, df.columns))})")
    frame = df[list(names)]
    blank = frame.isna()
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & ~blank
    if bad.to_numpy().any():
        col = bad.any().idxmax()
        row = int(np.flatnonzero(bad[col].to_numpy())[0])
        raise TableError(f"{source}: column {col!r} is not numeric (row {row + 1}: {frame[col].iloc[row]!r})")
    keep = ~numbers.isna().any(axis=1).to_numpy()
    values = numbers.to_numpy(dtype=float)[keep]
    if not np.isfinite(values).all():
        col = names[int(np.flatnonzero(~np.isfinite(values).all(axis=0))[0])]
        raise TableError(f"{source}: column {col!r} holds an infinite value")
    if len(values) < min_rows:
        raise TableError(f"{source}: {len(values)} complete row(s) in {', '.join(names)}; need at least {min_rows}")
    return Columns(list(names), values, int((~keep).sum()))


def _read_text(path: Path, sep: str | None) -> pd.DataFrame:
    for encoding in ENCODINGS:
        try:
            return pd.read_csv(path, sep=sep, encoding=encoding, engine="python" if sep is None else "c")
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise TableError(f"{path}: the file is empty") from None
        except (pd.errors.ParserError, csv.Error) as exc:
            raise TableError(f"{path}: cannot read as a table ({_first_line(exc)})") from None
    raise TableError(f"{path}: not text in UTF-8 or GB18030")


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        return pd.read_excel(path)
    except ImportError as exc:
        raise TableError(f"{path}: reading this spreadsheet needs a package pandas lacks "
                         f"({_first_line(exc)})") from None
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        raise TableError(f"{path}: cannot read as a spreadsheet ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__
