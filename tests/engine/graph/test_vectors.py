"""Word vectors: JoSE's sphere update (SEEDS.md §16.4) and both trainers on a small corpus
whose related words must end nearer than unrelated ones."""

import numpy as np
import pytest
import torch

from engine.corpus.counting import Tokenizer
from engine.errors import UserError
from engine.tasks import Cancelled, TaskContext
from engine.text.vectors import hinge_loss, riemannian_step, step_scale, tangent, tokenised, train_jose, train_word2vec

TOPICS = [["cat", "dog", "pet", "fur", "paw", "kitten", "puppy", "leash"],
          ["bank", "money", "loan", "stock", "bond", "cash", "credit", "market"],
          ["rain", "cloud", "storm", "wind", "snow", "sun", "weather", "cold"]]
FILLER = ["the", "a", "of", "and", "is", "to", "in", "it"]


def unit_rows(n, dim, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(n, dim, generator=g, dtype=torch.float64), dim=1)


def test_tangent_gradient_is_orthogonal_and_step_keeps_unit_norm():
    x = unit_rows(50, 7, 0)
    grad = torch.randn(50, 7, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 3
    g = tangent(x, grad)
    assert torch.allclose((g * x).sum(1), torch.zeros(50, dtype=torch.float64), atol=1e-12)
    for lr in (0.001, 0.04, 5.0):
        assert torch.allclose(riemannian_step(x, grad, lr).norm(dim=1), torch.ones(50, dtype=torch.float64))


def test_scale_factor_lies_in_0_2_and_vanishes_when_minus_gradient_is_along_x():
    x = unit_rows(200, 5, 2)
    grad = torch.randn(200, 5, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    s = step_scale(x, grad)
    assert bool(((s >= 0) & (s <= 2)).all())
    cos = torch.nn.functional.cosine_similarity(-grad, x, dim=1)
    assert torch.allclose(s, 1 - cos)
    assert torch.allclose(step_scale(x, -2.5 * x), torch.zeros(200, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(step_scale(x, 0.7 * x), torch.full((200,), 2.0, dtype=torch.float64))
    assert torch.allclose(riemannian_step(x[:3], -x[:3], 0.5), x[:3], atol=1e-12)  # −∇f along x: no move


def test_hinge_loss_is_zero_past_the_margin():
    e = torch.eye(4, dtype=torch.float64)
    u, v, d = e[0:1], e[0:1], e[0:1]  # uᵀv = uᵀd = 1
    far = e[1:2][:, None, :]          # u′ ⊥ v, d
    assert hinge_loss(u, v, d, far, 0.15).item() == 0.0
    # positive-minus-negative = 0.1 < m = 0.15: loss m − 0.1
    u2 = torch.nn.functional.normalize(torch.tensor([[1.0, 0, 0, 0]], dtype=torch.float64), dim=1)
    v2 = torch.tensor([[0.05, 1, 0, 0]], dtype=torch.float64)
    v2 = torch.nn.functional.normalize(v2, dim=1)
    d2 = v2.clone()
    neg = torch.nn.functional.normalize(torch.tensor([[[0.0, 0, 1, 0]]], dtype=torch.float64), dim=2)
    gap = 2 * (u2 * v2).sum().item()
    assert hinge_loss(u2, v2, d2, neg, 0.15).item() == pytest.approx(max(0.0, 0.15 - gap))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = np.random.default_rng(0)
    lines = []
    for i in range(600):
        topic = TOPICS[i % 3]
        lines.append(" ".join(topic[rng.integers(8)] if rng.random() < 0.6 else FILLER[rng.integers(8)]
                              for _ in range(20)))
    path = tmp_path_factory.mktemp("corpus") / "topics.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def within_minus_across(vectors) -> float:
    index = {w: i for i, w in enumerate(vectors.names)}
    x = vectors.unit()
    within, across = [], []
    for a, ta in enumerate(TOPICS):
        for b, tb in enumerate(TOPICS):
            for w1 in ta:
                for w2 in tb:
                    if w1 != w2:
                        (within if a == b else across).append(float(x[index[w1]] @ x[index[w2]]))
    return np.mean(within) - np.mean(across)


def test_jose_related_words_end_nearer(corpus):
    sentences = tokenised(corpus, tokenizer=Tokenizer("jieba"))
    assert len(sentences) == 600
    partials = []
    e = train_jose(sentences, dim=32, epochs=4, seed=1, ctx=TaskContext(on_partial=partials.append))
    assert within_minus_across(e.vectors) > 0.3
    assert np.allclose(np.linalg.norm(e.vectors.matrix, axis=1), 1, atol=1e-5)
    assert [p["epoch"] for p in partials] == [1, 2, 3, 4]
    assert e.losses[-1] < e.losses[0]


def test_word2vec_related_words_end_nearer(corpus):
    sentences = tokenised(corpus, tokenizer=Tokenizer("jieba"))
    e = train_word2vec(sentences, dim=32, window=5, epochs=4, workers=1, seed=1)
    assert within_minus_across(e.vectors) > 0.3
    assert len(e.losses) == 4 and set(e.vectors.names) == set(sum(TOPICS, [])) | set(FILLER)


def test_cancel_and_errors(corpus):
    sentences = tokenised(corpus, tokenizer=Tokenizer("jieba"))
    for train in (train_jose, train_word2vec):
        ctx = TaskContext()
        ctx.control.cancel()
        with pytest.raises(Cancelled):
            train(sentences, dim=8, epochs=2, ctx=ctx)
    with pytest.raises(UserError, match="minimum count"):
        train_jose(sentences[:2], min_count=1000)
    empty = corpus.parent / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(UserError):
        tokenised(empty)
