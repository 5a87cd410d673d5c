r"""Prognosis: predicting an individual's later readings from their first ones, scored out of sample.

Model (random intercepts and slopes in time ``t``, lme4's ``y ~ t + (t | group)``)
-------------------------------------------------------------------------------------
.. math::

    y_{ij} = (\beta_0 + b_{0i}) + (\beta_1 + b_{1i})\,t_{ij} + \varepsilon_{ij}, \qquad
    b_i \sim N(0, \Sigma), \quad \varepsilon_{ij} \sim N(0, \sigma_\varepsilon^2).

Leave one out: for each individual s, the model is fitted (REML, :func:`blupteach.fit_lmm`) to
the *other* individuals only; then, for each k, s's readings at times ≤ k are revealed and three
predictors of s's line are compared at a later ``target`` time:

==============  ====================================================================================
``blup``        :math:`\hat\beta + \hat b_s`, :math:`\hat b_s` from s's readings at t ≤ k at the fitted
                Σ̂, σ̂_ε², β̂ (:meth:`blupteach.LmmFit.conditional_ranef`): no refit
``population``  :math:`\hat\beta`, the line of the others (complete pooling); it ignores s's readings
``own``         s's least-squares line through its readings at t ≤ k (no pooling,
                :func:`blupteach.shrinkage_2d.own_lines`); none with a single reading
==============  ====================================================================================

The BLUP's band is a plug-in prediction interval for a new reading of s,
:func:`blupteach.variance_parts_mme` on the others' design with s's revealed rows added:
its three parts are the estimation of β (``mean``), s's remaining uncertainty given its
revealed rows (``deviation``), and the new reading's noise.  With s's rows in the design,
Var(β̂) is that of the GLS estimate from all rows, a hair below that of the others' β̂
which the point prediction uses (s adds at most 9 readings to 170).

Lesson 07.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse, special

from ._validation import check_level, check_scalar
from .intervals import variance_parts_mme
from .mixed import fit_lmm
from .shrinkage_2d import own_lines

__all__ = ["PREDICTORS", "Prognosis", "leave_one_out_trajectories"]

#: The three predictors, in the order of the result's columns.
PREDICTORS = ("blup", "population", "own")


@dataclass(frozen=True)
class Prognosis:
    """Leave-one-out predictions of each individual's line from its first readings.

    Attributes
    ----------
    lines : DataFrame
        Index (individual, k); columns ``(predictor, "intercept" | "slope")`` for the three
        :data:`PREDICTORS` (``own`` NaN when only one reading is revealed).
    errors : DataFrame
        Index (individual, k); one column per predictor: prediction − observed reading at
        the target time.
    times : ndarray (m,)
        The time grid of the bands.
    band : ndarray (individuals, ks, 3, m)
        The BLUP's prediction, lower and upper limit at each time of ``times``.
    level : float
    target : float
        The time each predictor is scored at.
    data : DataFrame
        The readings used (columns ``columns``).
    columns : (str, str, str)
        Names of the response, time and individual columns.
    """

    lines: pd.DataFrame
    errors: pd.DataFrame
    times: np.ndarray
    band: np.ndarray
    level: float
    target: float
    data: pd.DataFrame
    columns: tuple

    def score(self, kind: str = "rmse") -> pd.DataFrame:
        r"""Return the error over individuals at each k: ``"rmse"`` √(mean e²) or ``"mae"`` mean |e|.

        Rows k, columns the predictors; the own line's row at a k with one reading is NaN.
        """
        if kind not in ("rmse", "mae"):
            raise ValueError(f"kind must be 'rmse' or 'mae'; got {kind!r}")
        e = self.errors.groupby(level="k")
        if kind == "rmse":
            return e.agg(lambda c: float(np.sqrt(np.mean(c.to_numpy() ** 2))))
        return e.agg(lambda c: float(np.mean(np.abs(c.to_numpy()))))


def _check(data, y, t, group, ks, target):
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    missing = [c for c in (y, t, group) if c not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {missing}")
    target = check_scalar(target, "target")
    given = list(ks)
    ks = [check_scalar(k, "ks") for k in given]
    if not ks or sorted(set(ks)) != ks:
        raise ValueError(f"ks must be increasing times without repeats; got {ks}")
    if ks[-1] >= target:
        raise ValueError(f"every k must lie before target = {target}; got k = {ks[-1]}")
    for s, rows in data.groupby(group, sort=True):
        times = rows[t].to_numpy(float)
        if not (times == target).sum() == 1 or not (times <= ks[0]).any():
            raise ValueError(f"individual {s!r} needs one reading at target = {target} and one at t <= {ks[0]}")
    if data[group].nunique() < 3:
        raise ValueError("data must hold at least 3 individuals (each is left out in turn)")
    return given, target


def _band(fit, rows, times, z, formula_cols):
    """Prediction and interval limits at ``times`` for the level in ``rows``, given those rows."""
    y, t, group = formula_cols
    grid = pd.DataFrame({y: 0.0, t: times, group: rows[group].iloc[0]})
    d = fit.prediction_design(pd.concat([rows[[y, t, group]], grid], ignore_index=True))
    m = len(rows)
    X = np.vstack([d.X, d.x0[:m]])                          # the others' rows, then s's revealed rows
    Z = sparse.vstack([d.Z, sparse.csr_matrix(d.z0[:m])])
    parts = variance_parts_mme(X, Z, d.G, d.sigma_e2, d.x0[m:], d.z0[m:], target="new_observation")
    b = fit.conditional_ranef(rows)[group].to_numpy()[0]
    coef = fit.fixef.to_numpy() + b
    pred = coef[0] + coef[1] * times
    half = z * np.sqrt(parts["total"].to_numpy())
    return coef, np.stack([pred, pred - half, pred + half])


def leave_one_out_trajectories(data, *, y: str, t: str, group: str, ks=range(9), target: float = 9,
                               level: float = 0.95, times=None) -> Prognosis:
    r"""Predict each individual's reading at ``target`` from its readings at t ≤ k, each left out in turn.

    For each individual s: one REML fit of ``y ~ t + (t | group)`` to the others; for each k
    in ``ks``, the BLUP line from s's rows at t ≤ k (``conditional_ranef``, no refit), the
    population line β̂ and s's own least-squares line, each scored by its error
    :math:`\hat y_s(\text{target}) - y_s(\text{target})` (module docstring).

    Parameters
    ----------
    data : DataFrame
        One row per reading, with columns ``y``, ``t``, ``group``.
    y, t, group : str, keyword-only
        Column names: response, time, individual.
    ks : sequence of float, keyword-only
        Last time revealed (increasing, all before ``target``); default 0..8.
    target : float, keyword-only
        Time of the reading to predict; every individual needs exactly one there.
    level : float in (0, 1), keyword-only
        Level of the BLUP's prediction band.
    times : array_like, optional, keyword-only
        Times of the band (default 0..target).

    Returns
    -------
    Prognosis

    Raises
    ------
    ValueError
        ``data`` not a DataFrame or without the columns; ``ks`` not increasing or not
        before ``target``; an individual without a reading at ``target`` or at t ≤ ks[0];
        fewer than 3 individuals; a bad ``level``.

    Examples
    --------
    >>> import blupteach as bt
    >>> sleep = bt.datasets.load("sleepstudy")
    >>> p = leave_one_out_trajectories(sleep, y="Reaction", t="Days", group="Subject", ks=[2])
    >>> p.score().round(1).values.tolist()            # doctest: +SKIP
    [[62.3, 68.5, 150.8]]
    """
    ks, target = _check(data, y, t, group, ks, target)
    level = check_level(level)
    times = np.arange(0.0, target + 1) if times is None else np.asarray(times, float)
    z = float(special.ndtri(0.5 + level / 2))
    formula = f"{y} ~ {t} + ({t} | {group})"
    data = data[[y, t, group]].copy()
    subjects = sorted(data[group].unique())
    lines, errors, bands = [], [], np.empty((len(subjects), len(ks), 3, times.size))
    for i, s in enumerate(subjects):
        mine = data[data[group] == s].sort_values(t)
        fit = fit_lmm(formula, data[data[group] != s])
        beta = fit.fixef.to_numpy()
        y_target = float(mine.loc[mine[t] == target, y].iloc[0])
        for j, k in enumerate(ks):
            rows = mine[mine[t] <= k]
            coef, bands[i, j] = _band(fit, rows, times, z, (y, t, group))
            own = own_lines(rows[y], rows[t], rows[group]).iloc[0]
            row = {"blup": coef, "population": beta, "own": own[["intercept", "slope"]].to_numpy(float)}
            lines.append(np.concatenate([row[p] for p in PREDICTORS]))
            errors.append([row[p][0] + row[p][1] * target - y_target for p in PREDICTORS])
    index = pd.MultiIndex.from_product([subjects, ks], names=[group, "k"])
    cols = pd.MultiIndex.from_product([PREDICTORS, ["intercept", "slope"]])
    return Prognosis(lines=pd.DataFrame(lines, index=index, columns=cols),
                     errors=pd.DataFrame(errors, index=index, columns=list(PREDICTORS)),
                     times=times, band=bands, level=level, target=float(target),
                     data=data, columns=(y, t, group))
