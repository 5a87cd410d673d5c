r"""A simulated herd's pedigree: discrete generations, few sires, so inbreeding builds up.

Generation 0 is ``per_generation`` founders (parents unknown).  In every later generation
each animal's sire is drawn from the first ``sires`` males of the generation before and its
dam from that generation's females (animals alternate male, female); with probability
``unknown`` a parent is recorded as unknown (0).  Ids are 1-based and parents always come
first, as :mod:`blupteach.pedigree` expects.  Used by lesson 09 and ``make bench``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_scalar, check_seed, check_whole

__all__ = ["simulate_pedigree"]


def simulate_pedigree(generations: int, per_generation: int, *, sires: int, seed, unknown: float = 0.0):
    """Return ``(sire, dam)``, int arrays of ``generations * per_generation`` parent ids (0 = unknown).

    Parameters
    ----------
    generations : int >= 1
    per_generation : int >= 2
        Animals per generation (half males, half females).
    sires : int >= 1, keyword-only
        Males of each generation used as sires (fewer sires, more inbreeding).
    seed : int >= 0 or numpy.random.Generator, keyword-only
    unknown : float in [0, 1), keyword-only
        Probability that a parent is recorded as unknown.

    Examples
    --------
    >>> s, d = simulate_pedigree(2, 4, sires=1, seed=1)
    >>> s.tolist(), d.tolist()                  # generation 1: all sired by animal 1
    ([0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 2, 4, 4, 4])
    """
    generations = check_whole(generations, "generations")
    per = check_whole(per_generation, "per_generation", least=2)
    sires = check_whole(sires, "sires")
    if sires > (per + 1) // 2:
        raise ValueError(f"sires must be at most {(per + 1) // 2}, the males of a generation of {per}; got {sires}")
    unknown = check_scalar(unknown, "unknown")
    if not 0.0 <= unknown < 1.0:
        raise ValueError(f"unknown must be in [0, 1) (a probability); got {unknown}")
    rng = check_seed(seed)
    N = generations * per
    sire, dam = np.zeros(N, dtype=np.int64), np.zeros(N, dtype=np.int64)
    males = np.arange(0, per, 2)[:sires]             # positions within a generation
    females = np.arange(1, per, 2)
    for g in range(1, generations):
        start, prev = g * per, (g - 1) * per
        rows = slice(start, start + per)
        sire[rows] = prev + 1 + rng.choice(males, size=per)
        dam[rows] = prev + 1 + rng.choice(females, size=per)
    if unknown > 0:
        sire[rng.random(N) < unknown] = 0
        dam[rng.random(N) < unknown] = 0
    return sire, dam
