"""InfoMap end to end (vectors → modules, with our flow, codelength and module tree) against
the least a script could do: the same links by brute force in torch and a direct call of
the ``infomap`` package.  Same run, one thread, alternating, best of N.
Target: ≤ 1.2× the direct route.

    python benchmarks/graph_infomap.py [--n 10000] [--dim 128] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import common  # noqa: F401,E402 - sets the path
import numpy as np  # noqa: E402
from graph_data import word_like_vectors  # noqa: E402


def direct(unit: np.ndarray, k: int, min_sim: float) -> tuple[float, int]:
    """Brute-force top-k links (row blocks, topk) and ``infomap.Infomap`` on them."""
    import infomap
    import torch

    x = torch.from_numpy(unit)
    rows, cols, sims = [], [], []
    for start in range(0, len(x), 1024):
        s = x[start:start + 1024] @ x.T
        s[torch.arange(len(s)), torch.arange(start, start + len(s))] = -float("inf")
        v, i = torch.topk(s, k, dim=1)
        keep = v >= min_sim
        rows.append(torch.arange(start, start + len(s))[:, None].expand(-1, k)[keep])
        cols.append(i[keep])
        sims.append(v[keep])
    links = np.column_stack([torch.cat(rows).numpy(), torch.cat(cols).numpy(), torch.cat(sims).numpy()])
    net = infomap.Network()
    net.add_nodes(range(len(unit)))
    net.add_links(links.astype(np.float64))
    result = infomap.run(net, options=infomap.Options(two_level=True, flow_model="directed", silent=True,
                                                      num_trials=1, seed=1))
    return result.codelength, result.num_top_modules


def main() -> None:
    import torch

    from engine.graph.cluster import cluster

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    v = word_like_vectors(args.n, args.dim)
    best = {"direct": float("inf"), "workbench": float("inf")}
    for _ in range(args.repeats):
        t = time.perf_counter()
        L, modules = direct(v.unit(), 40, 0.5)
        best["direct"] = min(best["direct"], time.perf_counter() - t)
        t = time.perf_counter()
        r = cluster(v, k=40, min_sim=0.5)
        best["workbench"] = min(best["workbench"], time.perf_counter() - t)
    print(f"{args.n:,} items × {args.dim}, {r.graph.num_links:,} links: direct L = {L:.6f} bits, {modules} modules; "
          f"workbench L = {r.codelength:.6f} (ours {r.ours.total:.6f}), {r.tree.num_top} modules, NMI vs planted "
          f"{r.nmi:.3f}; stages {', '.join(f'{k} {s:.2f} s' for k, s in r.seconds.items())}")
    print(f"direct {best['direct']:.2f} s, workbench {best['workbench']:.2f} s → "
          f"{best['workbench'] / best['direct']:.2f}× (target ≤ 1.2×)")


if __name__ == "__main__":
    main()
