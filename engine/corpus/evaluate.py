"""Score a lexicon as §6.4 does: segment a gold-segmented file (PKU bakeoff format,
words separated by spaces) with jieba loaded with the lexicon alone, HMM off,
and compare word spans: precision, recall and F1, as the bakeoff's ``score``."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from engine.corpus.readers import Notes, text_lines


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    gold_words: int
    predicted_words: int


def spans(words: Iterable[str]) -> set[tuple[int, int]]:
    out, i = set(), 0
    for w in words:
        out.add((i, i + len(w)))
        i += len(w)
    return out


def score_lines(gold: list[list[str]], predicted: list[list[str]]) -> Score:
    correct = n_gold = n_pred = 0
    for g, p in zip(gold, predicted):
        sg, sp = spans(g), spans(p)
        correct += len(sg & sp)
        n_gold += len(sg)
        n_pred += len(sp)
    precision = correct / n_pred if n_pred else 0.0
    recall = correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, n_gold, n_pred)


def jieba_with(lexicon: dict[str, int]):
    """A jieba tokenizer whose dictionary is exactly ``lexicon``."""
    import jieba

    fd, name = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for w, c in lexicon.items():
            f.write(f"{w} {max(int(c), 1)}\n")
    tk = jieba.Tokenizer(dictionary=name)
    tk.initialize()
    os.unlink(name)
    return tk


def evaluate(gold_file: Path | str, lexicon: dict[str, int]) -> Score:
    notes = Notes()
    gold = [line.split() for line in text_lines(Path(gold_file), notes) if line.strip()]
    tk = jieba_with(lexicon)
    predicted = [[w for w in tk.cut("".join(g), HMM=False) if w.strip()] for g in gold]
    return score_lines(gold, predicted)
