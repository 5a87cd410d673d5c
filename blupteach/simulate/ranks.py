r"""Draws of group effects from their distribution given the data, for rank intervals (lesson 10).

.. math:: b^{(s)} = \hat b + U'z^{(s)}, \qquad z^{(s)} \sim N(0, I_g), \quad U'U = P,

so each draw :math:`b^{(s)} \sim N(\hat b, P)` (:class:`blupteach.ranking.EffectDistribution`:
the BLUPs and their joint prediction error covariance).  Ranking every draw and summarising
the ranks is math, not data: :func:`blupteach.rank_intervals`.  Part of
:mod:`blupteach.simulate`, the one home of random draws.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_seed, check_whole, cholesky
from ..ranking import EffectDistribution

__all__ = ["simulate_effects"]


def simulate_effects(effects: EffectDistribution, *, sims: int, seed) -> np.ndarray:
    r"""Draw ``sims`` joint sets of group effects :math:`b \sim N(\hat b, P)`.

    Parameters
    ----------
    effects : EffectDistribution
        From :func:`blupteach.conditional_effects` (a fit), or built by hand
        (``EffectDistribution(b_hat=..., cov=..., n=...)``).
    sims : int >= 1, keyword-only
    seed : int >= 0 or numpy.random.Generator, keyword-only (required)

    Returns
    -------
    ndarray (sims, g): one row per draw, columns in the order of ``effects.b_hat``.

    Raises
    ------
    ValueError
        ``effects`` not an EffectDistribution; ``sims`` not a whole number >= 1; a missing
        or bad ``seed``; a covariance that is not positive definite.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> e = EffectDistribution(b_hat=pd.Series([1.0, -1.0]), cov=np.eye(2) * 0.01, n=np.array([5.0, 5.0]))
    >>> simulate_effects(e, sims=3, seed=0).shape
    (3, 2)
    """
    if not isinstance(effects, EffectDistribution):
        raise ValueError("effects must be a blupteach EffectDistribution (bt.conditional_effects(fit)); "
                         f"got {type(effects).__name__}")
    sims = check_whole(sims, "sims")
    rng = check_seed(seed)
    factor, lower = cholesky(effects.cov, "effects.cov")
    U = np.tril(factor).T if lower else np.triu(factor)
    b_hat = effects.b_hat.to_numpy(float)
    return b_hat + rng.standard_normal((sims, b_hat.size)) @ U
