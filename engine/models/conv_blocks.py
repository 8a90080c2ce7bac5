"""Stride-2 convolution stacks that give back exactly the input size.

Small image sets have sizes that do not halve evenly (MNIST 28 → 14 → 7,
digits 8 → 4 → 2, a folder of 30-px icons 30 → 15 → 8); each transposed
convolution's output padding is chosen from the encoder's sizes so a decoder
always returns the encoder's input size.
"""

from __future__ import annotations

from torch import nn


def halvings(size: tuple[int, int], n: int) -> list[tuple[int, int]]:
    """Spatial sizes after 0…n stride-2 convolutions with kernel 4 (or 3), padding 1."""
    sizes = [tuple(size)]
    for _ in range(n):
        sizes.append(tuple((s + 1) // 2 for s in sizes[-1]))
    return sizes


def up_padding(big: tuple[int, int], small: tuple[int, int], kernel: int) -> tuple[int, int]:
    """Output padding of a stride-2, padding-1 transposed conv taking ``small`` back to ``big``."""
    return tuple(int(b - (2 * (s - 1) - 2 + kernel)) for b, s in zip(big, small))


def up(c_in: int, c_out: int, big: tuple[int, int], small: tuple[int, int], kernel: int = 4) -> nn.ConvTranspose2d:
    """A stride-2 transposed convolution from ``small`` to exactly ``big``."""
    pad = up_padding(big, small, kernel)
    if kernel == 4 and min(pad) < 0:  # an odd size: kernel 3 reaches it, kernel 4 overshoots
        return up(c_in, c_out, big, small, kernel=3)
    return nn.ConvTranspose2d(c_in, c_out, kernel, stride=2, padding=1, output_padding=pad)


def down(c_in: int, c_out: int, size: tuple[int, int]) -> nn.Conv2d:
    """A stride-2 convolution to ``ceil(size / 2)``: 4×4 as the author's VQ-VAE where the size is
    even, 3×3 where it is odd (a 4×4 kernel would floor it)."""
    kernel = 4 if all(s % 2 == 0 for s in size) else 3
    return nn.Conv2d(c_in, c_out, kernel, stride=2, padding=1)
