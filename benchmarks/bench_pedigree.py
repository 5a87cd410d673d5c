"""A⁻¹ by Henderson's rules for a simulated 10⁵-animal pedigree with inbreeding (issue 14).

Prints ``ainv animals=<N> generations=<g> seconds=<x> reference_s=<r> ratio=<x/r> mean_F=<F>``
for a herd 10 generations deep (10,000 animals a generation, 50 sires) and one 20 deep
(5,000 a generation, 25 sires, a closed herd: thousands of ancestors per animal).
``reference_s`` is a fixed numpy/scipy workload timed in the same run (a sparse product with
as many entries as the A⁻¹), so runs on a busy or a quiet machine compare by ``ratio``.
"""
from __future__ import annotations

import time

import numpy as np
from scipy import sparse

import blupteach as bt

CASES = [(10, 10_000, 50), (20, 5_000, 25)]


def reference_seconds(nnz: int, N: int) -> float:
    rng = np.random.default_rng(0)
    M = sparse.random(N, N, density=nnz / N / N, random_state=rng, format="csr")
    t0 = time.perf_counter()
    for _ in range(20):
        (M @ M.T).sum()
    return (time.perf_counter() - t0) / 20


def main():
    for generations, per, sires in CASES:
        s, d = bt.simulate_pedigree(generations, per, sires=sires, seed=1, unknown=0.05)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            A_inv = bt.inverse_relationship(s, d)
            times.append(time.perf_counter() - t0)
        F = bt.inbreeding(s, d)
        assert A_inv.shape == (s.size, s.size) and F.max() > 0, "the benchmark pedigree must be inbred"
        ref = reference_seconds(A_inv.nnz, s.size)
        x = float(np.median(times))
        print(f"ainv animals={s.size} generations={generations} seconds={x:.3f} reference_s={ref:.4f} "
              f"ratio={x / ref:.1f} mean_F={F.mean():.4f}")


if __name__ == "__main__":
    main()
