"""Reading the user's tables: CSV, TSV, Excel, GB18030, and one-line errors naming the file."""

import numpy as np
import pandas as pd
import pytest

from engine.maths import tables as T


def test_csv_tsv_excel_and_gb18030(tmp_path):
    df = pd.DataFrame({"a": [1.0, 2.0, 3.5], "b": [4, 5, 6], "名字": ["x", "y", "z"]})
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    df.to_csv(tmp_path / "t.txt", sep=";", index=False)
    df.to_csv(tmp_path / "g.csv", index=False, encoding="gb18030")
    df.to_excel(tmp_path / "t.xlsx", index=False)
    for name in ("t.csv", "t.tsv", "t.txt", "g.csv", "t.xlsx"):
        got = T.read_table(tmp_path / name)
        assert list(got.columns) == ["a", "b", "名字"], name
        assert T.numeric_columns(got) == ["a", "b"]
        np.testing.assert_allclose(T.select(got, ["b", "a"], name).values, df[["b", "a"]].to_numpy(float))


def test_missing_rows_are_dropped_and_counted(tmp_path):
    (tmp_path / "m.csv").write_text("a,b\n1,2\n,3\n4,5\n6,\n")
    cols = T.select(T.read_table(tmp_path / "m.csv"), ["a", "b"], "m.csv")
    assert cols.dropped == 2 and cols.values.tolist() == [[1, 2], [4, 5]]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\xff\xfe\xff\x00\x81\xff", "not text"),
    (b'a,b\n1,"2\n', "cannot read"),
])
def test_bad_text_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(T.TableError, match=message) as err:
        T.read_table(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_bad_spreadsheet_and_missing_file(tmp_path):
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(T.TableError, match="bad.xlsx"):
        T.read_table(tmp_path / "bad.xlsx")
    with pytest.raises(T.TableError, match="no such file"):
        T.read_table(tmp_path / "nope.csv")
    (tmp_path / "head.csv").write_text("a,b\n")
    with pytest.raises(T.TableError, match="no rows"):
        T.read_table(tmp_path / "head.csv")


def test_column_errors(tmp_path):
    df = pd.DataFrame({"a": [1, 2, 3], "s": ["1", "x", "3"], "i": [1.0, np.inf, 2.0]})
    with pytest.raises(T.TableError, match="no column 'z'.*columns: a, s, i"):
        T.select(df, ["a", "z"], "f.csv")
    with pytest.raises(T.TableError, match="'s' is not numeric \\(row 2: 'x'\\)"):
        T.select(df, ["s"], "f.csv")
    with pytest.raises(T.TableError, match="'i' holds an infinite"):
        T.select(df, ["i"], "f.csv")
    with pytest.raises(T.TableError, match="need at least 5"):
        T.select(df, ["a"], "f.csv", min_rows=5)
    assert T.select(pd.DataFrame({"s": ["1.5", "2"]}), ["s"], "f.csv").values.tolist() == [[1.5], [2.0]]
