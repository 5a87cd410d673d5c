r"""Simulation studies' draws: many data sets at once, fixed truths, folds (lessons 02, 03, 05).

:func:`simulate_group_stats` (whole one-way data sets as their sufficient statistics),
:func:`simulate_replicates` (noise around fixed group means), :func:`simulate_fixed_means`
(fixed true means, for Stein's paradox) and :func:`random_folds` (cross-validation folds).
Part of :mod:`blupteach.simulate`, the one home of random draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array, check_counts, check_scalar, check_seed, check_variance, check_whole

__all__ = ["GroupStatsDraws", "simulate_group_stats", "simulate_replicates", "random_folds", "simulate_fixed_means"]


@dataclass(frozen=True)
class GroupStatsDraws:
    r"""``sims`` one-way data sets, each reduced to its sufficient statistics (and its truth).

    Attributes
    ----------
    n : ndarray (g,)                  observations per group
    b : ndarray (sims, g)             true effects b_i
    group_means : ndarray (sims, g)   ȳ_i = μ + b_i + ε̄_i
    ssw : ndarray (sims,)             within-group sum of squares, σ_ε²χ²_{N−g}
    new_noise : ndarray (sims, g) or None   a new reading's noise ε_new per group
    mu : float
    """

    n: np.ndarray
    b: np.ndarray
    group_means: np.ndarray
    ssw: np.ndarray
    new_noise: np.ndarray | None
    mu: float


def simulate_group_stats(n, sigma_b2, sigma_e2, *, sims: int, mu: float = 0.0, new_observation: bool = False,
                         seed) -> GroupStatsDraws:
    r"""Draw ``sims`` one-way data sets directly as sufficient statistics.

    .. math::

        \bar y_i = \mu + b_i + \bar\varepsilon_i, \quad b_i \sim N(0, \sigma_b^2), \quad
        \bar\varepsilon_i \sim N(0, \sigma_\varepsilon^2/n_i), \qquad
        \mathrm{SSW} \sim \sigma_\varepsilon^2\chi^2_{N-g}\ \text{independent of the means},

    which is what the readings themselves would give, at O(groups) per data set.  With
    ``new_observation=True`` each group also gets one new reading's noise
    :math:`\varepsilon_{new} \sim N(0, \sigma_\varepsilon^2)`.

    Parameters
    ----------
    n : array_like of int >= 1, shape (g,)
    sigma_b2, sigma_e2 : float >= 0
    sims : int >= 1, keyword-only
    mu : float, keyword-only
    new_observation : bool, keyword-only
    seed : int >= 0 or numpy.random.Generator, keyword-only

    Examples
    --------
    >>> d = simulate_group_stats([5, 5, 5], 25.0, 100.0, sims=2, seed=0)
    >>> d.group_means.shape, d.ssw.shape
    ((2, 3), (2,))
    """
    n = np.atleast_1d(check_counts(n, "n")).astype(float)
    if n.ndim != 1 or (n < 1).any():
        raise ValueError(f"n must be a list of whole numbers >= 1, one per group; got {n.tolist()}")
    sims = check_whole(sims, "sims")
    sigma_b2, sigma_e2 = check_variance(sigma_b2, "sigma_b2"), check_variance(sigma_e2, "sigma_e2")
    mu = check_scalar(mu, "mu")
    rng = check_seed(seed)
    g = n.size
    b = rng.standard_normal((sims, g)) * np.sqrt(sigma_b2)
    ybar = mu + b + rng.standard_normal((sims, g)) * np.sqrt(sigma_e2 / n)
    dof = n.sum() - g
    ssw = sigma_e2 * rng.chisquare(dof, sims) if dof > 0 else np.zeros(sims)
    new = rng.standard_normal((sims, g)) * np.sqrt(sigma_e2) if new_observation else None
    return GroupStatsDraws(n=n, b=b, group_means=ybar, ssw=ssw, new_noise=new, mu=mu)


def simulate_replicates(n: int, sigma_b2, sigma_e2, *, g: int, reps: int, mu: float = 0.0, seed):
    r"""Fixed true group means and ``reps`` replicate data sets of noise around them.

    One draw :math:`\theta_i = \mu + b_i`, :math:`b_i \sim N(0, \sigma_b^2)` for ``g`` groups;
    then ``reps`` independent data sets :math:`y_{ij} = \theta_i + \varepsilon_{ij}` of ``n``
    readings a group (rows group by group).  What a bias–variance study needs: the truth
    held fixed while the noise varies.

    Returns
    -------
    truth : ndarray (g,)
    Y : ndarray (g·n, reps)

    Examples
    --------
    >>> truth, Y = simulate_replicates(3, 4.0, 1.0, g=2, reps=5, seed=0)
    >>> truth.shape, Y.shape
    ((2,), (6, 5))
    """
    n, g, reps = check_whole(n, "n"), check_whole(g, "g"), check_whole(reps, "reps")
    sigma_b2, sigma_e2 = check_variance(sigma_b2, "sigma_b2"), check_variance(sigma_e2, "sigma_e2")
    rng = check_seed(seed)
    truth = check_scalar(mu, "mu") + rng.normal(0.0, np.sqrt(sigma_b2), g)
    Y = np.repeat(truth, n)[:, None] + rng.normal(0.0, np.sqrt(sigma_e2), (g * n, reps))
    return truth, Y


def random_folds(N: int, n_folds: int, *, seed) -> np.ndarray:
    """Fold label (0..n_folds−1) of each of ``N`` rows: rows shuffled, then dealt round in turn.

    Folds differ in size by at most one row.

    Examples
    --------
    >>> np.bincount(random_folds(10, 3, seed=0)).tolist()
    [4, 3, 3]
    """
    N = check_whole(N, "N")
    n_folds = check_whole(n_folds, "n_folds", 2)
    if n_folds > N:
        raise ValueError(f"n_folds must be at most {N} (the number of rows); got {n_folds}")
    fold = np.empty(N, dtype=int)
    fold[check_seed(seed).permutation(N)] = np.arange(N) % n_folds
    return fold


def simulate_fixed_means(theta, sigma2, *, reps: int, seed) -> np.ndarray:
    r"""``reps`` data sets (rows) of noisy means around *fixed* true means: :math:`x_{ri} = \theta_i + \sigma z_{ri}`.

    No distribution for the :math:`\theta_i` (lesson 02, Stein's paradox).  The :math:`z_{ri} \sim N(0, 1)` are drawn
    mean by mean: mean i's noise is the same for every k and theta (common random numbers).

    >>> simulate_fixed_means([0.0, 5.0, 10.0], 1.0, reps=4, seed=0).shape
    (4, 3)
    """
    theta, sigma2 = as_float_array(theta, "theta", ndim=1), check_variance(sigma2, "sigma2", positive=True)
    if np.ndim(sigma2) != 0:
        raise ValueError(f"sigma2 must be a single number; got shape {np.shape(sigma2)}")
    z = check_seed(seed).standard_normal((theta.size, check_whole(reps, "reps")))
    return theta + np.sqrt(float(sigma2)) * z.T
