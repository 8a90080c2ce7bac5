"""A synthetic Chinese-like corpus for benchmarks, of any size, deterministic.

It mimics the statistics that matter to counting and word discovery: a
vocabulary of 50,000 "words" whose lengths follow Chinese text (about 45 %
one character, 45 % two, 7 % three, 3 % four), built from 5,000 characters
drawn with a Zipf law (a few characters are very common, most are rare, as
in real text); words used with a Zipf law of exponent 1.1 (Zipf's law of
words); sentences of 4–30 words ended by Chinese punctuation; documents of
1–20 sentences, one per line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CJK_FIRST = 0x4E00
PUNCT = np.array(list("，。，。！？；"))


def vocabulary(rng: np.random.Generator, size: int = 50_000, chars: int = 5_000) -> np.ndarray:
    char_p = 1.0 / np.arange(1, chars + 1) ** 0.9
    char_p /= char_p.sum()
    alphabet = np.array([chr(CJK_FIRST + i) for i in rng.permutation(chars)])
    lengths = rng.choice([1, 2, 3, 4], size=size, p=[0.45, 0.45, 0.07, 0.03])
    drawn = alphabet[rng.choice(chars, int(lengths.sum()), p=char_p)].tolist()  # one draw for all the words
    ends = np.cumsum(lengths).tolist()
    words = {"".join(drawn[end - n:end]) for n, end in zip(lengths.tolist(), ends)}
    return np.array(sorted(words, key=lambda w: (len(w), w)))[rng.permutation(len(words))]


def write(path: Path | str, megabytes: float = 0.0, seed: int = 0, characters: int = 0) -> Path:
    """Write about ``megabytes`` MB of UTF-8 text (or, when given, exactly ``characters``
    characters, punctuation and line ends included) and return the path."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(rng)
    p = 1.0 / np.arange(1, len(vocab) + 1) ** 1.1
    p /= p.sum()
    target = characters or int(megabytes * 1e6)
    written = 0
    path = Path(path)
    with open(path, "w", encoding="utf-8") as f:
        while written < target:
            words = vocab[rng.choice(len(vocab), 200_000, p=p)]
            pos, lines = 0, []
            while pos < len(words) - 600:
                sentences = []
                for _ in range(rng.integers(1, 21)):
                    n = int(rng.integers(4, 31))
                    sentences.append("".join(words[pos:pos + n]) + PUNCT[rng.integers(len(PUNCT))])
                    pos += n
                lines.append("".join(sentences))
            block = "\n".join(lines) + "\n"
            if characters:
                block = block[:target - written]
            f.write(block)
            written += len(block) if characters else len(block.encode("utf-8"))
    return path
