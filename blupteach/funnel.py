r"""Funnel plots: control limits for comparing institutions of different sizes (Spiegelhalter 2005).

Model
-----
A group (a school, a hospital) with :math:`n_i` observations has raw mean :math:`\bar y_i`.
If every group had the same true mean :math:`\mu` ("common effect"),
:math:`\bar y_i \sim N(\mu, \sigma_\varepsilon^2/n_i)`; if true means vary around :math:`\mu`
with variance :math:`\sigma_b^2` ("random effects", Spiegelhalter's additive overdispersion),
:math:`\bar y_i \sim N(\mu, \sigma_b^2 + \sigma_\varepsilon^2/n_i)`.  The control limits at a
level are the central range of that distribution, drawn against :math:`n_i`:

.. math::

    \mu \;\pm\; z_{(1+\text{level})/2}\,\sqrt{\sigma_b^2 + \sigma_\varepsilon^2 / n}

(:math:`\sigma_b^2 = 0`: the common-effect funnel, which narrows to μ as n grows; σ_b² > 0:
the limits level off at :math:`\mu \pm z\sigma_b` — a large group is not flagged merely for
being measured precisely).  Spiegelhalter (2005), *Statistics in Medicine* 24:1185–1202, draws
95% and 99.8% limits (about 2 and 3 standard errors).

=============================  ==============  ==========================================
symbol                         argument        meaning
=============================  ==============  ==========================================
:math:`n`                      ``n``           observations of a group (> 0; an array for a curve)
:math:`\mu`                    ``mu``          the target: the overall mean
:math:`\sigma_\varepsilon^2`   ``sigma_e2``    within-group variance
:math:`\sigma_b^2`             ``sigma_b2``    between-group variance (0: common effect)
=============================  ==============  ==========================================

A group outside the common-effect limits is one whose raw-mean interval
:math:`\bar y_i \pm z\sqrt{\sigma_\varepsilon^2/n_i}` excludes μ
(:func:`blupteach.flag_unusual` on ``league_table``'s ``raw``).  A group outside the
random-effects limits is unusual *even for a population in which groups differ*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ._validation import as_float_array, check_level, check_scalar, check_variance

__all__ = ["funnel_limits", "outside_funnel"]


def funnel_limits(n, mu, sigma_e2, *, sigma_b2: float = 0.0, level: float = 0.95) -> pd.DataFrame:
    r"""Return a funnel plot's control limits :math:`\mu \pm z\sqrt{\sigma_b^2 + \sigma_\varepsilon^2/n}` at each n.

    Parameters
    ----------
    n : array_like of numbers > 0, shape (m,)
        Group sizes (the x-axis of the funnel; a fine grid of sizes draws the limits as curves).
    mu : float
        The overall mean the limits surround.
    sigma_e2 : float > 0
        Within-group variance.
    sigma_b2 : float >= 0, keyword-only
        Between-group variance: 0 (default) for the common-effect limits, σ̂_b² for the
        random-effects (overdispersed) limits.
    level : float in (0, 1), keyword-only
        e.g. 0.95 or 0.998.

    Returns
    -------
    DataFrame (m rows): ``n``, ``lower``, ``upper``.

    Raises
    ------
    ValueError
        ``n`` with a value <= 0, NaN or text; ``mu`` not a finite number; ``sigma_e2`` <= 0;
        ``sigma_b2`` < 0; ``level`` outside (0, 1).

    Examples
    --------
    n = 4, σ_ε² = 1, μ = 0 at 95%: ±1.96·√(1/4) = ±0.98; with σ_b² = 0.75: ±1.96·√1 = ±1.96.

    >>> funnel_limits([4], 0.0, 1.0)["upper"].round(4).tolist()
    [0.98]
    >>> funnel_limits([4], 0.0, 1.0, sigma_b2=0.75)["upper"].round(4).tolist()
    [1.96]
    """
    n = np.atleast_1d(as_float_array(n, "n"))
    if n.ndim != 1 or (n <= 0).any():
        raise ValueError(f"n must be a list of group sizes > 0 (one per point of the funnel); got {n.ravel()[:5].tolist()}")
    mu = check_scalar(mu, "mu")
    sigma_e2 = float(check_variance(sigma_e2, "sigma_e2", positive=True))
    sigma_b2 = float(check_variance(sigma_b2, "sigma_b2"))
    half = special.ndtri(0.5 + check_level(level) / 2) * np.sqrt(sigma_b2 + sigma_e2 / n)
    return pd.DataFrame({"n": n, "lower": mu - half, "upper": mu + half})


def outside_funnel(n, estimate, mu, sigma_e2, *, sigma_b2: float = 0.0, level: float = 0.95) -> np.ndarray:
    r"""Return which groups lie outside the funnel: :math:`|\hat y_i - \mu| > z\sqrt{\sigma_b^2 + \sigma_\varepsilon^2/n_i}`.

    Parameters as in :func:`funnel_limits`, plus ``estimate`` (shape (m,), each group's raw
    estimate, on the scale of ``mu``).  Returns a bool array of shape (m,).

    Examples
    --------
    >>> outside_funnel([4, 4], [0.5, 1.5], 0.0, 1.0).tolist()      # limits ±0.98
    [False, True]
    """
    lim = funnel_limits(n, mu, sigma_e2, sigma_b2=sigma_b2, level=level)
    est = np.atleast_1d(as_float_array(estimate, "estimate"))
    if est.shape != (len(lim),):
        raise ValueError(f"estimate must have {len(lim)} values, one per group size in n; got shape {est.shape}")
    return (est < lim["lower"].to_numpy()) | (est > lim["upper"].to_numpy())
