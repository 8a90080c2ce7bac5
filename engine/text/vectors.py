"""Word vectors trained on a corpus the Corpus bench reads (any of its layouts and
encodings, its tokenisers): gensim's word2vec, and JoSE (SEEDS.md §16; Meng et al.,
"Spherical Text Embedding", NeurIPS 2019), which no library provides, written in torch.

JoSE: words (u, the centre word; v, its context) and documents (d) live on the unit
sphere.  For a centre word u, a context word v of the same document d and a negative
centre word u′ drawn from the unigram^0.75 distribution, the hinge loss is
max(0, m − cos(u, v) − cos(u, d) + cos(u′, v) + cos(u′, d)).  Each touched row x takes
the scaled Riemannian step of §16.2,
x ← normalize(x − η (1 + xᵀ∇f/‖∇f‖)(I − xxᵀ)∇f),
with the gradients of one mini-batch summed per row (the reference C code steps per pair;
the batches are small so that the sum stays close to consecutive steps).  Defaults from
the reference ``run.sh``: dim 100, η 0.04 decaying linearly, window 10 (word2vec's
random shrinking), 2 negatives, margin 0.15, sub-sampling 1e-3, min count 5, 10 epochs.
The word vectors are the centre vectors u.

The tokenised corpus is held in memory (ids, not strings) for the epochs.  Word2vec
reports progress and loss per epoch (gensim gives nothing finer); Cancel ends the epoch
being trained at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from engine.corpus.counting import Tokenizer
from engine.corpus.readers import Notes, documents
from engine.errors import UserError
from engine.graph.data import Vectors
from engine.tasks import Cancelled, TaskContext

METHODS = ("word2vec", "jose")
ARCHITECTURES = ("skipgram", "cbow")
JOSE_BATCH = 256
CHUNK_PAIRS = 65_536  # pairs made at once, across documents


@dataclass
class Embedding:
    vectors: Vectors
    method: str
    losses: list[float] = field(default_factory=list)  # one per epoch
    documents: int = 0
    tokens: int = 0
    seconds: float = 0.0


def tokenised(corpus: str | Path, kind: str = "auto", tokenizer: Tokenizer | None = None,
              ctx: TaskContext | None = None) -> list[list[str]]:
    """Each document of ``corpus`` as its tokens (empty documents dropped)."""
    ctx = ctx or TaskContext()
    tokenizer = tokenizer or Tokenizer()
    out: list[list[str]] = []
    notes = Notes()
    for number, doc in enumerate(documents(corpus, kind, notes), 1):
        if number % 1000 == 0:
            ctx.checkpoint()
            ctx.progress(number, None, f"tokenising: {number:,} documents")
        tokens = tokenizer(doc.text)
        if tokens:
            out.append(tokens)
    for problem in notes.problems[:20]:
        ctx.warn(problem)
    if not out:
        raise UserError(f"{Path(corpus).name}: no tokens (an empty corpus?)")
    return out


# -- word2vec ----------------------------------------------------------------------------

class _Stream:
    """The sentences, re-iterable for gensim's epochs; stops yielding once Cancel is asked and
    waits while paused (read from gensim's producer thread: it only reads the flags)."""

    def __init__(self, sentences: Sequence[list[str]], ctx: TaskContext) -> None:
        self.sentences, self.ctx = sentences, ctx

    def __iter__(self) -> Iterator[list[str]]:
        for s in self.sentences:
            while self.ctx.control.paused and not self.ctx.cancelled:
                time.sleep(0.05)
            if self.ctx.cancelled:
                return
            yield s


def train_word2vec(sentences: Sequence[list[str]], dim: int = 100, window: int = 5, min_count: int = 5,
                   epochs: int = 5, architecture: str = "skipgram", lr: float = 0.025, negative: int = 5,
                   workers: int = 3, seed: int = 1, ctx: TaskContext | None = None) -> Embedding:
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    ctx = ctx or TaskContext()
    losses: list[float] = []

    class Report(CallbackAny2Vec):
        def __init__(self) -> None:
            self.before = 0.0

        def on_epoch_end(self, model) -> None:
            total = model.get_latest_training_loss()
            losses.append(float(total - self.before))
            self.before = total
            ctx.checkpoint()  # gensim's threads have finished the epoch: raising here is clean
            ctx.partial({"epoch": len(losses), "loss": losses[-1]})
            ctx.progress(len(losses), epochs, f"word2vec epoch {len(losses)}/{epochs}, loss {losses[-1]:.4g}")

    model = Word2Vec(vector_size=dim, window=window, min_count=min_count, sg=int(architecture == "skipgram"),
                     alpha=lr, negative=negative, workers=workers, seed=seed, compute_loss=True)
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        raise UserError(f"no word occurs {min_count} times; lower the minimum count")
    tokens = sum(map(len, sentences))
    model.train(_Stream(sentences, ctx), total_examples=len(sentences), total_words=tokens, epochs=epochs,
                compute_loss=True, callbacks=[Report()])
    if ctx.cancelled:
        raise Cancelled()
    vectors = Vectors(list(model.wv.index_to_key), np.asarray(model.wv.vectors, np.float32), source="word2vec")
    return Embedding(vectors, "word2vec", losses, len(sentences), tokens)


# -- JoSE: the sphere's pieces (§16.2, §16.4) ------------------------------------------

def tangent(x, grad):
    """(I − xxᵀ)∇f row by row: the Riemannian gradient, orthogonal to the unit rows x."""
    return grad - (x * grad).sum(-1, keepdim=True) * x


def step_scale(x, grad):
    """1 − cos(−∇f, x) = 1 + xᵀ∇f/‖∇f‖ ∈ [0, 2]: 0 when −∇f already points along x."""
    import torch

    norm = grad.norm(dim=-1)
    return torch.where(norm > 0, 1 + (x * grad).sum(-1) / norm.clamp_min(1e-30), torch.ones_like(norm))


def riemannian_step(x, grad, lr: float):
    """JoSE's update: the tangent step scaled by :func:`step_scale`, then back onto the sphere."""
    import torch

    moved = x - lr * step_scale(x, grad)[..., None] * tangent(x, grad)
    return torch.nn.functional.normalize(moved, dim=-1)


def hinge_loss(u, v, d, u_neg, margin: float = 0.15):
    """max(0, m − uᵀv − uᵀd + u′ᵀv + u′ᵀd) per negative: ``u, v, d`` (B, dim), ``u_neg`` (B, K, dim)."""
    positive = (u * v).sum(-1) + (u * d).sum(-1)
    negative = (u_neg * (v + d)[:, None, :]).sum(-1)
    return (margin - positive[:, None] + negative).clamp_min(0)


# -- JoSE: training --------------------------------------------------------------------

@dataclass
class _Vocabulary:
    words: list[str]
    counts: np.ndarray
    docs: list[np.ndarray]  # each document as word ids (rare words dropped)


def _vocabulary(sentences: Iterable[list[str]], min_count: int) -> _Vocabulary:
    from collections import Counter

    sentences = list(sentences)
    counts = Counter(w for s in sentences for w in s)
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    if not words:
        raise UserError(f"no word occurs {min_count} times; lower the minimum count")
    index = {w: i for i, w in enumerate(words)}
    docs = [np.array([index[w] for w in s if w in index], np.int64) for s in sentences]
    return _Vocabulary(words, np.array([counts[w] for w in words], np.float64), docs)


def _pairs(doc: np.ndarray, keep: np.ndarray, window: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(centre, context) positions of one document after sub-sampling, with word2vec's random
    window shrinking (centre i sees offsets up to b_i ∈ [1, window])."""
    ids = doc[keep[doc] > rng.random(len(doc))]
    if len(ids) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    reach = rng.integers(1, window + 1, len(ids))
    centres, contexts = [], []
    for o in range(1, min(window, len(ids) - 1) + 1):
        left, right = np.arange(len(ids) - o), np.arange(o, len(ids))
        fwd, back = reach[left] >= o, reach[right] >= o
        centres += [ids[left[fwd]], ids[right[back]]]
        contexts += [ids[right[fwd]], ids[left[back]]]
    return np.concatenate(centres), np.concatenate(contexts)


def train_jose(sentences: Sequence[list[str]], dim: int = 100, lr: float = 0.04, window: int = 10,
               negative: int = 2, min_count: int = 5, epochs: int = 10, margin: float = 0.15,
               sample: float = 1e-3, seed: int = 1, ctx: TaskContext | None = None) -> Embedding:
    import torch

    ctx = ctx or TaskContext()
    vocab = _vocabulary(sentences, min_count)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    nw, nd = len(vocab.words), len(vocab.docs)
    sphere = lambda rows: torch.nn.functional.normalize(torch.randn(rows, dim, generator=gen), dim=1)  # noqa: E731
    U, V, D = sphere(nw), sphere(nw), sphere(nd)
    freq = vocab.counts / vocab.counts.sum()
    keep = np.minimum(1.0, (np.sqrt(freq / sample) + 1) * sample / freq) if sample > 0 else np.ones(nw)
    noise = torch.from_numpy(vocab.counts ** 0.75)
    tokens = int(sum(len(d) for d in vocab.docs))
    total, done = epochs * tokens, 0
    losses: list[float] = []
    for epoch in range(1, epochs + 1):
        loss_sum, terms = 0.0, 0
        pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        buffered = 0
        for doc_id, doc in enumerate(vocab.docs):
            c, x = _pairs(doc, keep, window, rng)
            pending.append((c, x, np.full(len(c), doc_id, np.int64)))
            buffered += len(c)
            done += len(doc)
            if buffered < CHUNK_PAIRS and doc_id < nd - 1:
                continue
            c, x, di = (torch.from_numpy(np.concatenate(p)) for p in zip(*pending))
            pending, buffered = [], 0
            for start in range(0, len(c), JOSE_BATCH):
                ctx.checkpoint()
                eta = lr * max(1e-4, 1 - done / total)
                b = slice(start, start + JOSE_BATCH)
                neg = torch.multinomial(noise, len(c[b]) * negative, replacement=True, generator=gen)
                loss_sum += _jose_batch(U, V, D, c[b], x[b], di[b], neg.view(-1, negative), margin, eta)
                terms += len(c[b]) * negative
            ctx.progress(done, total, f"JoSE epoch {epoch}/{epochs}")
        losses.append(loss_sum / max(terms, 1))
        ctx.partial({"epoch": epoch, "loss": losses[-1]})
        ctx.log(f"JoSE epoch {epoch}/{epochs}: mean hinge loss {losses[-1]:.4f}")
    vectors = Vectors(vocab.words, U.numpy().astype(np.float32), source="jose")
    return Embedding(vectors, "jose", losses, nd, tokens)


def _jose_batch(U, V, D, centre, context, doc, neg, margin: float, eta: float) -> float:
    """One mini-batch: the hinge loss's gradients summed per row, then each touched row's
    Riemannian step.  Returns the batch's summed loss."""
    import torch

    u, v, d, un = U[centre], V[context], D[doc], U[neg]
    h = hinge_loss(u, v, d, un, margin)
    active = (h > 0).to(u.dtype)
    if not active.any():
        return 0.0
    count = active.sum(1, keepdim=True)
    vd = v + d
    g_u = -vd * count
    g_neg = active[..., None] * vd[:, None, :]
    g_vd = -u * count + (active[..., None] * un).sum(1)
    _apply(U, torch.cat([centre, neg.reshape(-1)]), torch.cat([g_u, g_neg.reshape(-1, U.shape[1])]), eta)
    _apply(V, context, g_vd, eta)
    _apply(D, doc, g_vd, eta)
    return float(h.sum())


def _apply(table, rows, grads, eta: float) -> None:
    import torch

    unique, inverse = torch.unique(rows, return_inverse=True)
    summed = torch.zeros(len(unique), table.shape[1], dtype=table.dtype).index_add_(0, inverse, grads)
    table[unique] = riemannian_step(table[unique], summed, eta)
