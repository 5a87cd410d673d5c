r"""The one fit interface: what every fitted model offers, whatever fitted it.

Both :class:`blupteach.OnewayFit` (:func:`blupteach.fit_oneway`) and
:class:`blupteach.LmmFit` (:func:`blupteach.fit_lmm`) satisfy :class:`Fit`, so the
intervals, the panels and a lesson read either the same way: σ_b² is
``fit.varcorr[factor].iloc[0, 0]`` and σ_ε² is ``fit.sigma2`` for both.

A prediction targets :math:`\theta = x_0'\beta + z_0'b` (a group's mean, or a row of new
data), and everything its uncertainty needs is the model's design,

.. math::

    y = X\beta + Zb + \varepsilon, \qquad b \sim N(0, G), \quad \varepsilon \sim N(0, \sigma_\varepsilon^2 I),

with the targets' rows :math:`x_0, z_0`: a :class:`PredictionDesign`.  A level the fit never
saw gets a column of Z of its own with no rows of data behind it, so its BLUP is 0 and its
prediction error carries all of its variance (the population-level prediction); no special
case is needed in :mod:`blupteach.intervals`.

=================  =============  ==========================================
symbol             name           shape
=================  =============  ==========================================
:math:`X`          ``X``          (N, p)
:math:`Z`          ``Z``          (N, q), scipy.sparse
:math:`G`          ``G``          (q, q)
:math:`x_0, z_0`   ``x0, z0``     (m, p), (m, q): one row per target
:math:`\hat\theta` ``prediction`` (m,)
=================  =============  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["Fit", "PredictionDesign", "is_fit"]


@dataclass(frozen=True)
class PredictionDesign:
    r"""The arrays a prediction's error variance needs, for ``m`` targets.

    Attributes
    ----------
    X : ndarray (N, p);  Z : scipy.sparse matrix (N, q)
    Lam : scipy.sparse matrix (q, q)
        A factor of G = Var(b): :math:`G = \Lambda\Lambda'` (block diagonal, zero columns
        for a variance at 0).  ``G`` is computed from it on request (dense: small fits only).
    sigma_e2 : float
        Residual variance σ_ε² (> 0).
    x0 : ndarray (m, p);  z0 : scipy.sparse CSR matrix (m, q)
        The targets' rows.
    prediction : ndarray (m,)
        :math:`x_0'\hat\beta + z_0'\hat b`.
    index : pandas.Index (m,)
        The targets' labels (group levels, or the rows of new data).
    n : ndarray (m,)
        Observations in the fit behind each target's group (0 for a level never seen).
    """

    X: np.ndarray
    Z: sparse.spmatrix
    Lam: sparse.spmatrix
    sigma_e2: float
    x0: np.ndarray
    z0: sparse.spmatrix
    prediction: np.ndarray
    index: pd.Index
    n: np.ndarray

    @property
    def G(self) -> np.ndarray:
        """G = ΛΛ' as a dense (q, q) array (for small fits and hand checks)."""
        return np.asarray((self.Lam @ self.Lam.T).toarray())


class Fit(Protocol):
    """What a fitted mixed model offers (lme4's names where lme4 has one).

    A static type for annotations; at run time :func:`is_fit` checks an object against it
    (``isinstance`` with a runtime-checkable Protocol would run every property, and a
    property of a broken fit raises instead of answering "no").

    Attributes
    ----------
    loglik : float
        The (REML or ML) log-likelihood at the estimates.
    fixef : pandas.Series
        Fixed effects β̂ by column name (``(Intercept)`` = μ̂ for a one-way fit).
    sigma2 : float
        Residual variance σ̂_ε².
    varcorr : dict
        Grouping factor → covariance DataFrame (terms × terms) of its random effects.
    ranef : dict
        Grouping factor → DataFrame of BLUPs (levels × terms).
    ranef_cov : dict
        Grouping factor → ndarray (levels, k, k) of conditional covariances (lme4's condVar).
    singular : bool
        True on the boundary (a variance 0 or a correlation ±1).
    theta : ndarray
        Relative covariance factors in lme4's order (one-way: √(σ̂_b²/σ̂_ε²)).
    """

    loglik: float
    singular: bool

    @property
    def fixef(self) -> pd.Series: ...

    @property
    def sigma2(self) -> float: ...

    @property
    def varcorr(self) -> dict: ...

    @property
    def ranef(self) -> dict: ...

    @property
    def ranef_cov(self) -> dict: ...

    @property
    def theta(self) -> np.ndarray: ...

    def predict(self, newdata=None) -> np.ndarray:
        """Predictions x₀'β̂ + z₀'b̂: one per level of the grouping factor (``newdata=None``) or per row of ``newdata``."""

    def prediction_design(self, newdata=None, *, factor: str | None = None) -> PredictionDesign:
        """The :class:`PredictionDesign` of the targets that :meth:`predict` predicts."""


#: The names of :class:`Fit` (tests check this list against the class body).
_MEMBERS = ("loglik", "singular", "fixef", "sigma2", "varcorr", "ranef", "ranef_cov", "theta",
            "predict", "prediction_design")


def is_fit(obj) -> bool:
    """True if ``obj`` offers every name of :class:`Fit` (looked up on its class: no property is run)."""
    cls = type(obj)
    fields = getattr(cls, "__dataclass_fields__", {})
    return all(hasattr(cls, n) or n in fields for n in _MEMBERS)
