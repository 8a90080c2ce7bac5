"""TensorBoard's curve smoothing: a first-order IIR (EMA) with debiasing, so
the first points are not pulled towards zero.  s_t = w·s_{t-1} + (1−w)·x_t with
s_{-1} = 0, then divided by 1 − w^{t+1}.  Constant series come back unchanged.
Computed with scipy's ``lfilter`` on the full-resolution data (smoothing after
downsampling gives misleading curves, TensorBoard #1518)."""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

MAX_WEIGHT = 0.99


def debiased_ema(values: np.ndarray, weight: float) -> np.ndarray:
    w = float(np.clip(weight, 0.0, MAX_WEIGHT))
    y = np.asarray(values, dtype=np.float64)
    if w == 0.0 or len(y) == 0:
        return y.copy()
    smoothed = lfilter([1.0 - w], [1.0, -w], y)
    # the debias factor 1 − w^{t+1} is 1 to double precision once w^{t+1} < 1e-17: divide only before
    head = min(len(y), int(np.ceil(np.log(1e-17) / np.log(w))))
    smoothed[:head] /= 1.0 - w ** np.arange(1, head + 1)
    return smoothed
