"""The benchmark corpus generator: exact sizes in characters, the same text for the same seed."""

from engine.corpus import generator


def test_characters_are_exact_and_the_seed_fixes_the_text(tmp_path):
    a = generator.write(tmp_path / "a.txt", characters=12_345, seed=3).read_text(encoding="utf-8")
    b = generator.write(tmp_path / "b.txt", characters=12_345, seed=3).read_text(encoding="utf-8")
    c = generator.write(tmp_path / "c.txt", characters=12_345, seed=4).read_text(encoding="utf-8")
    assert len(a) == 12_345 and a == b and a != c
    assert all("\u4e00" <= ch <= "\u9fa5" or ch in "，。！？；\n" for ch in a)
