r"""Shrinkage in two dimensions: each individual's own line, pulled toward the population line.

Model (random intercepts and slopes, one grouping factor)
----------------------------------------------------------
.. math::

    y_{ij} = (\beta_0 + b_{0i}) + (\beta_1 + b_{1i})\,t_{ij} + \varepsilon_{ij}, \qquad
    b_i = (b_{0i}, b_{1i})' \sim N(0, \Sigma), \quad \varepsilon_{ij} \sim N(0, \sigma_\varepsilon^2),

lme4's ``y ~ t + (t | group)``.  Individual i's **own line** is its least-squares fit
:math:`\hat c_i = (X_i'X_i)^{-1}X_i'y_i` with :math:`X_i = [1, t_i]`, whose error has covariance
:math:`S_i = \sigma_\varepsilon^2 (X_i'X_i)^{-1}`.  Its BLUP line is

.. math::

    \hat\beta + \hat b_i = \hat\beta + W_i(\hat c_i - \hat\beta), \qquad
    W_i = \Sigma(\Sigma + S_i)^{-1},

the matrix form of the one-way weight :math:`w = \sigma_b^2/(\sigma_b^2 + \sigma_\varepsilon^2/n)`
(:func:`blupteach.shrinkage_weight`): with :math:`\hat b_i = (X_i'X_i/\sigma_\varepsilon^2 + \Sigma^{-1})^{-1}
X_i'(y_i - X_i\hat\beta)/\sigma_\varepsilon^2` and :math:`X_i'y_i = X_i'X_i\hat c_i`, the inverse
collapses to :math:`\Sigma(\Sigma + S_i)^{-1}`.  The arrow from the own line to the BLUP,
:math:`-(I - W_i)(\hat c_i - \hat\beta)`, points straight at the centre :math:`\hat\beta` only when
:math:`\hat c_i - \hat\beta` is an eigenvector of :math:`I - W_i`; otherwise it bends, the more the
more Σ and S_i differ in shape (their correlations and their scales).

==============================  ==============  ========================================
symbol                          name            shape
==============================  ==============  ========================================
:math:`\hat c_i`                ``own``         (g, 2): intercept, slope per individual
:math:`\Sigma`                  ``Sigma``       (2, 2): ``fit.varcorr[group]``
:math:`\sigma_\varepsilon^2`    ``sigma_e2``    float: ``fit.sigma2``
:math:`t_i`                     ``t``           (n_i,): the individual's times
:math:`W_i`                     ``W``           (2, 2)
==============================  ==============  ========================================

Lesson 07.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg

from ._validation import as_float_array, check_same_length, check_variance, group_codes

__all__ = ["own_lines", "shrinkage_matrix", "shrinkage_angle"]


def own_lines(y, t, group) -> pd.DataFrame:
    r"""Return each individual's own least-squares line (no pooling): intercept and slope.

    .. math:: \hat c_i = (X_i'X_i)^{-1}X_i'y_i, \qquad X_i = [1, t_i]

    Parameters
    ----------
    y, t : array_like, shape (N,)
        Responses and times (numeric, finite).
    group : array_like, shape (N,)
        Individual of each row (any labels).

    Returns
    -------
    DataFrame indexed by individual (sorted), columns ``intercept``, ``slope``, ``n``
    (readings).  An individual with fewer than two distinct times has no line: its
    intercept and slope are NaN on purpose (no pooling cannot fit one), and ``n`` says why.

    Raises
    ------
    ValueError
        Non-numeric or non-finite ``y`` or ``t``; lengths that differ; a missing label.

    Examples
    --------
    >>> own_lines([1., 3., 5., 7.], [0, 1, 0, 0], ["a", "a", "b", "c"]).round(1).values.tolist()
    [[1.0, 2.0, 2.0], [nan, nan, 1.0], [nan, nan, 1.0]]
    """
    y = as_float_array(y, "y", ndim=1)
    t = as_float_array(t, "t", ndim=1)
    check_same_length(y, "y", t, "t")
    codes, levels = group_codes(group, "group", length=y.size)
    out = np.full((len(levels), 3), np.nan)
    for i in range(len(levels)):
        ti, yi = t[codes == i], y[codes == i]
        out[i, 2] = ti.size
        if np.unique(ti).size >= 2:
            out[i, :2] = np.linalg.lstsq(np.column_stack([np.ones_like(ti), ti]), yi, rcond=None)[0]
    frame = pd.DataFrame(out[:, :2], index=levels, columns=["intercept", "slope"])
    frame["n"] = out[:, 2].astype(int)
    return frame


def _sigma(Sigma) -> np.ndarray:
    S = as_float_array(Sigma, "Sigma")
    if S.shape != (2, 2) or not np.allclose(S, S.T):
        raise ValueError(f"Sigma must be a symmetric 2 x 2 covariance matrix; got shape {S.shape}")
    if np.linalg.eigvalsh(S).min() < 0:
        raise ValueError("Sigma must be positive semi-definite (a covariance matrix)")
    return S


def shrinkage_matrix(Sigma, t, sigma_e2) -> np.ndarray:
    r"""Return :math:`W = \Sigma(\Sigma + S)^{-1}`, :math:`S = \sigma_\varepsilon^2(X'X)^{-1}`, :math:`X = [1, t]`.

    The 2 × 2 weight that takes an individual's own line toward the population line
    (module docstring): BLUP line = β̂ + W(own − β̂).

    Parameters
    ----------
    Sigma : array_like, shape (2, 2)
        Covariance of (intercept, slope) effects.
    t : array_like, shape (n,)
        The individual's times; at least two distinct.
    sigma_e2 : float, > 0

    Returns
    -------
    ndarray (2, 2)

    Raises
    ------
    ValueError
        Sigma not a 2 × 2 covariance; fewer than two distinct times; sigma_e2 ≤ 0.

    Examples
    --------
    Σ = I, times 0 and 1, σ_ε² = 1: X'X = [[2, 1], [1, 1]], S = (X'X)⁻¹ = [[1, −1], [−1, 2]].

    >>> shrinkage_matrix(np.eye(2), [0, 1], 1.0).round(3).tolist()    # (I + S)⁻¹ = [[3, 1], [1, 2]]/5
    [[0.6, 0.2], [0.2, 0.4]]
    """
    Sigma = _sigma(Sigma)
    t = as_float_array(t, "t", ndim=1)
    sigma_e2 = check_variance(sigma_e2, "sigma_e2", positive=True)
    if np.unique(t).size < 2:
        raise ValueError(f"t must hold at least two distinct times to define a line; got {t.tolist()}")
    X = np.column_stack([np.ones_like(t), t])
    S = sigma_e2 * linalg.inv(X.T @ X)
    # W = Σ (Σ + S)^{-1}  <=>  W' = (Σ + S)^{-1} Σ (both symmetric)
    return linalg.solve(Sigma + S, Sigma, assume_a="pos").T


def shrinkage_angle(own, blup, centre, *, scale=(1.0, 1.0)) -> np.ndarray:
    r"""Return the angle (degrees, 0–180) between the arrow own → BLUP and the line own → centre.

    .. math:: \angle_i = \arccos\frac{(\hat b_i - \hat c_i)\cdot(\hat\beta - \hat c_i)}
                                      {\lVert\hat b_i - \hat c_i\rVert\,\lVert\hat\beta - \hat c_i\rVert}

    measured after dividing each coordinate by ``scale`` (e.g. the random effects'
    standard deviations, so an intercept in ms and a slope in ms/day count alike).
    0° is straight to the centre.

    Parameters
    ----------
    own, blup : array_like, shape (g, 2)
        Own lines and BLUP lines (intercept, slope).
    centre : array_like, shape (2,)
        The population line β̂.
    scale : array_like, shape (2,), keyword-only
        Positive units of the two coordinates.

    Returns
    -------
    ndarray (g,)

    Raises
    ------
    ValueError
        Shapes that do not match; a non-positive scale; an individual whose own line is
        the centre or equals its BLUP (no direction to measure).

    Examples
    --------
    >>> shrinkage_angle([[2., 0.]], [[1., 1.]], [0., 0.]).round(6).tolist()
    [45.0]
    """
    own = as_float_array(own, "own", ndim=2)
    blup = as_float_array(blup, "blup", ndim=2)
    centre = as_float_array(centre, "centre", ndim=1)
    scale = as_float_array(scale, "scale", ndim=1)
    if own.shape[1:] != (2,) or blup.shape != own.shape or centre.shape != (2,) or scale.shape != (2,):
        raise ValueError(f"own and blup must be (g, 2) of one shape, centre and scale (2,); got "
                         f"{own.shape}, {blup.shape}, {centre.shape}, {scale.shape}")
    if (scale <= 0).any():
        raise ValueError(f"scale must be positive; got {scale.tolist()}")
    arrow, straight = (blup - own) / scale, (centre - own) / scale
    norms = np.linalg.norm(arrow, axis=1) * np.linalg.norm(straight, axis=1)
    if (norms == 0).any():
        raise ValueError("an individual's own line equals its BLUP or the centre: no direction to measure "
                         f"(rows {np.flatnonzero(norms == 0).tolist()})")
    dot = np.einsum("ij,ij->i", arrow, straight)
    cross = arrow[:, 0] * straight[:, 1] - arrow[:, 1] * straight[:, 0]
    return np.degrees(np.arctan2(np.abs(cross), dot))       # = arccos of the cosine, accurate near 0°
