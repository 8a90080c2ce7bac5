"""Couplets the tests make from a small character set: no poems live in the repository."""

from __future__ import annotations

import random

CHARS = "春花秋月山水风云江河日夜天地人心高远长明清白红青"
THEMES = [CHARS[i:i + 4] for i in range(0, len(CHARS), 4)]


def themed(n: int, seed: int = 0) -> list[str]:
    """n couplets "xxxxx，xxxxx", each written in one of six 4-character themes with every line
    opening on its theme's first character: structure a latent code can learn to carry."""
    rng = random.Random(seed)

    def line(theme: str) -> str:
        return theme[0] + "".join(rng.choice(theme) for _ in range(4))

    out = []
    for _ in range(n):
        theme = rng.choice(THEMES)
        out.append(f"{line(theme)}，{line(theme)}")
    return out


def write_poems(path, couplets: list[str], per_poem: int = 2, encoding: str = "utf-8") -> None:
    """The author's layout: a title line, then one poem a line indented with two full-width spaces."""
    rows = []
    for i in range(0, len(couplets), per_poem):
        rows.append(f"卷1_{i} 【无题】佚名")
        rows.append("\u3000\u3000" + "".join(c + "。" for c in couplets[i:i + per_poem]))
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode(encoding))
