r"""A simulated herd's pedigree: discrete generations, few sires, so inbreeding builds up.

Generation 0 is ``per_generation`` founders (parents unknown).  In every later generation
each animal's sire is drawn from the first ``sires`` males of the generation before and its
dam from that generation's females (animals alternate male, female); with probability
``unknown`` a parent is recorded as unknown (0).  Ids are 1-based and parents always come
first, as :mod:`blupteach.pedigree` expects.  Used by lesson 09 and ``make bench``.

:func:`simulate_herd_records` then draws each animal's true breeding value down the
pedigree and a record for the animals that have one:

.. math:: a_i = \tfrac12(a_{s_i} + a_{d_i}) + m_i, \quad m_i \sim N(0, D_i\,\sigma_a^2), \qquad
          y_i = \mu + a_i + \varepsilon_i, \quad \varepsilon_i \sim N(0, \sigma_\varepsilon^2),

an unknown parent counting as 0 and :math:`D_i` from :func:`blupteach.mendelian_variance`
(so :math:`\operatorname{Var}(a) = \sigma_a^2 A`).  The standard normals behind
:math:`m_i` and :math:`\varepsilon_i` depend on the seed only: the same seed at other
variances gives the same herd rescaled (common random numbers, for a heritability slider).
:func:`simulate_herd_replicates` draws many such herds on one pedigree, one seed each (to
check a stated accuracy, which is a promise about one animal over many herds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validation import check_scalar, check_seed, check_variance, check_whole
from ..pedigree import check_pedigree, mendelian_variance

__all__ = ["simulate_pedigree", "HerdSample", "simulate_herd_records", "simulate_herd_replicates"]


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


@dataclass(frozen=True)
class HerdSample:
    """A simulated herd with its truth (:func:`simulate_herd_records`).

    Attributes
    ----------
    pedigree : pandas.DataFrame
        One row per animal: ``animal`` (1-based id), ``sire``, ``dam`` (0 unknown) and ``a``,
        the true breeding value :math:`a_i` (what a simulation knows and a breeder does not).
    records : pandas.DataFrame
        One row per recorded animal: ``animal`` and its record ``y``.
    mu, sigma_a2, sigma_e2 : float
        The values the herd was drawn with.
    """

    pedigree: pd.DataFrame
    records: pd.DataFrame
    mu: float
    sigma_a2: float
    sigma_e2: float


def simulate_herd_records(sire, dam, *, sigma_a2, sigma_e2, recorded, seed, mu: float = 0.0) -> HerdSample:
    r"""Return true breeding values down the pedigree and one record per recorded animal.

    :math:`a_i = \tfrac12(a_{s_i} + a_{d_i}) + \sqrt{D_i\sigma_a^2}\,z_i` (animals in id
    order, so parents are drawn first), :math:`y_i = \mu + a_i + \sqrt{\sigma_\varepsilon^2}\,e_i`,
    with :math:`z, e` standard normals drawn for every animal (recorded or not) from ``seed``.

    Parameters
    ----------
    sire, dam : array-like of shape (animals,)
        Parent ids, 1-based, 0/NaN/None unknown (as :func:`blupteach.relationship_matrix`).
    sigma_a2 : float >= 0, keyword-only
        Additive genetic variance :math:`\sigma_a^2`.
    sigma_e2 : float > 0, keyword-only
        Residual variance :math:`\sigma_\varepsilon^2`.
    recorded : array-like of bool, shape (animals,), keyword-only
        Which animals have a record.
    seed : int >= 0 or numpy.random.Generator, keyword-only
    mu : float, keyword-only
        The population mean of the records.

    Returns
    -------
    HerdSample

    Raises
    ------
    ValueError
        A pedigree fault; a negative variance (or σ_ε² = 0); ``recorded`` not one bool per
        animal, or no animal recorded; a bad seed.

    Examples
    --------
    >>> herd = simulate_herd_records([0, 0, 1], [0, 0, 2], sigma_a2=0.0, sigma_e2=1.0,
    ...                              recorded=[True, True, False], seed=1)
    >>> herd.pedigree["a"].tolist(), herd.records["animal"].tolist()     # no genetic variance
    ([0.0, 0.0, 0.0], [1, 2])
    """
    s, d, rec, sigma_a2, sigma_e2, mu = _checked(sire, dam, sigma_a2, sigma_e2, recorded, mu)
    rng = check_seed(seed)
    z, e = rng.standard_normal(s.size), rng.standard_normal(s.size)
    a = _down_the_pedigree(s, d, sigma_a2, z[None, :])[0]
    ids = np.arange(1, s.size + 1)
    pedigree = pd.DataFrame({"animal": ids, "sire": s, "dam": d, "a": a})
    records = pd.DataFrame({"animal": ids[rec], "y": mu + a[rec] + np.sqrt(sigma_e2) * e[rec]})
    return HerdSample(pedigree=pedigree, records=records.reset_index(drop=True), mu=mu,
                      sigma_a2=sigma_a2, sigma_e2=sigma_e2)


def simulate_herd_replicates(sire, dam, *, sigma_a2, sigma_e2, recorded, seeds, mu: float = 0.0):
    r"""Return ``(a, y)``: many herds on one pedigree, herd k as :func:`simulate_herd_records` with ``seeds[k]``.

    Parameters
    ----------
    sire, dam, sigma_a2, sigma_e2, recorded, mu
        As :func:`simulate_herd_records`.
    seeds : sequence of int >= 0, keyword-only
        One seed per herd (at least 2).

    Returns
    -------
    a : ndarray of shape (len(seeds), animals)
        True breeding values, herd by herd.
    y : ndarray of shape (len(seeds), recorded animals)
        The records, in animal order (the order of ``simulate_herd_records(...).records``).

    Raises
    ------
    ValueError
        As :func:`simulate_herd_records`; fewer than 2 seeds.

    Examples
    --------
    >>> a, y = simulate_herd_replicates([0, 0, 1], [0, 0, 2], sigma_a2=1.0, sigma_e2=1.0,
    ...                                 recorded=[True, True, False], seeds=range(5))
    >>> a.shape, y.shape
    ((5, 3), (5, 2))
    """
    s, d, rec, sigma_a2, sigma_e2, mu = _checked(sire, dam, sigma_a2, sigma_e2, recorded, mu)
    seeds = list(seeds)
    if len(seeds) < 2:
        raise ValueError(f"seeds must hold at least 2 seeds (one herd each); got {len(seeds)}")
    draws = []
    for seed in seeds:
        rng = check_seed(seed)
        draws.append((rng.standard_normal(s.size), rng.standard_normal(s.size)))
    z, e = (np.array(x) for x in zip(*draws))
    a = _down_the_pedigree(s, d, sigma_a2, z)
    return a, mu + a[:, rec] + np.sqrt(sigma_e2) * e[:, rec]


def _checked(sire, dam, sigma_a2, sigma_e2, recorded, mu):
    s, d = check_pedigree(sire, dam)
    sigma_a2 = float(check_variance(check_scalar(sigma_a2, "sigma_a2"), "sigma_a2"))
    sigma_e2 = float(check_variance(check_scalar(sigma_e2, "sigma_e2"), "sigma_e2", positive=True))
    mu = check_scalar(mu, "mu")
    rec = np.asarray(recorded)
    if rec.shape != s.shape or rec.dtype != bool:
        raise ValueError(f"recorded must be {s.size} booleans, one per animal (True: the animal has a record); "
                         f"got shape {rec.shape}, dtype {rec.dtype}")
    if not rec.any():
        raise ValueError("recorded marks no animal: a herd without records cannot inform any breeding value")
    return s, d, rec, sigma_a2, sigma_e2, mu


def _down_the_pedigree(s, d, sigma_a2, z):
    """True breeding values (herds, animals) from standard normals z, parents before offspring."""
    m = np.sqrt(mendelian_variance(s, d) * sigma_a2) * z          # Mendelian sampling terms
    a = np.zeros((z.shape[0], s.size + 1))                         # column 0: the unknown parent
    for i in range(1, s.size + 1):
        a[:, i] = 0.5 * (a[:, s[i - 1]] + a[:, d[i - 1]]) + m[:, i - 1]
    return a[:, 1:]
