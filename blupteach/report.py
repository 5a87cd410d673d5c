r"""Your own data in one call: a table of groups, their BLUPs, weights and intervals, in plain words.

The model is lesson 01–05's, with optional covariates and a random slope:

.. math:: y_{ij} = x_{ij}'\beta + b_{0i} + b_{1i}\,s_{ij} + \varepsilon_{ij}, \qquad
          (b_{0i}, b_{1i}) \sim N(0, \Sigma), \qquad \varepsilon_{ij} \sim N(0, \sigma_\varepsilon^2)

(no covariates and no slope: the one-way model, fitted by :func:`blupteach.fit_oneway`;
otherwise :func:`blupteach.fit_lmm`).

=====================  ================  =============================================
symbol                 column/argument   meaning
=====================  ================  =============================================
:math:`y_{ij}`         ``y``             the response (numeric)
:math:`i`              ``group``         the grouping column (text, numbers, categories)
:math:`x_{ij}`         ``covariates``    fixed-effect columns (numeric or categorical)
:math:`s_{ij}`         ``slope``         a numeric column whose effect varies by group
:math:`\sigma_b^2`     ``.sigma_b2``     between-group variance of the intercepts
:math:`w_i`            table ``w``       1 − c_i/σ̂_b², c_i = Var(b_0i | y): lesson 02's weight
                                         (exactly nσ_b²/(nσ_b² + σ_ε²) in the one-way model)
=====================  ================  =============================================

The table's interval is for the group's mean (lesson 05's ``target="group_mean"``): its
variance is the sum of ``mean_part`` (from estimating the population line) and
``deviation_part`` (the group's own deviation), plug-in at the fitted variances.

Used by lesson 11 (your own data).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._validation import _rows, check_choice, check_level, plain
from .intervals import prediction_interval
from .mixed import fit_lmm
from .oneway_fit import fit_oneway

__all__ = ["Report", "report", "MAX_CELLS"]

MAX_CELLS = 20_000_000      # rows × columns used: about 10⁶ rows of 20 columns, a few hundred MB in pandas


@dataclass(frozen=True, repr=False)
class Report:
    """What :func:`report` found: a per-group table, the fit, and its warnings in plain words.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group: ``n``, ``raw_mean``, ``blup`` (:math:`\\hat b_{0i}`), ``w``,
        ``prediction`` (the group's mean at its average covariates), ``mean_part``,
        ``deviation_part`` (variances), ``lower``, ``upper``.
    fit : OnewayFit or LmmFit
    warnings : tuple of str
    dropped : int
        Rows left out for missing values.
    seconds : float
        Time the fit took.
    """

    table: pd.DataFrame
    fit: object
    warnings: tuple
    dropped: int
    seconds: float
    level: float
    columns: dict = field(default_factory=dict)

    @property
    def sigma_b2(self) -> float:
        """σ̂_b², the between-group variance of the intercepts."""
        return float(next(iter(self.fit.varcorr.values())).iat[0, 0])

    @property
    def sigma_e2(self) -> float:
        """σ̂_ε², the residual variance."""
        return float(self.fit.sigma2)

    def summary(self) -> str:
        """A short paragraph: the data, the variances and what they mean, the pull of the small groups."""
        t = self.table
        g, N = len(t), int(t["n"].sum())
        c = self.columns
        lines = [f"{c['y']} by {c['group']}: {N} rows in {g} groups ({int(t['n'].min())} to {int(t['n'].max())} rows each)"
                 + (f"; {self.dropped} rows with missing values left out" if self.dropped else "") + "."]
        sb, se, slope = self.sigma_b2, self.sigma_e2, c["slope"]
        toward = "the regression line" if c["covariates"] else "the population mean"
        lines.append(f"Between-group variance (sigma_b2) = {sb:.4g}, within-group noise variance (sigma_e2) = {se:.4g}"
                     + (f": a group with lambda = sigma_e2/sigma_b2 = {se / sb:.3g} rows gives its own mean half the "
                        "weight (w = 1/2); more rows, more of its own." if sb > 0 and slope is None else "."))
        if slope is not None:
            lines.append(f"With a random slope in {slope!r}, w is the shrinkage of each group's intercept (its line at "
                         f"{slope} = 0), so it depends on where {slope!r} is centred.")
        pulled = t[t["w"] < 0.5]
        if sb == 0:
            lines.append("Every group's intercept is given the population value (w = 0).")
        elif len(pulled):
            k, lo, hi = len(pulled), int(pulled["n"].min()), int(pulled["n"].max())
            lines.append(f"{k} group{'s' if k > 1 else ''} (n from {lo} to {hi}) had w < 0.5: pulled more than half-way "
                         f"toward {toward}" + (f", exactly the groups with fewer than lambda = {se / sb:.3g} rows."
                                               if not c["covariates"] else "; with covariates w depends on more than n."))
        else:
            lines.append(f"Every group keeps more than half of its own value (w from {t['w'].min():.2f} to "
                         f"{t['w'].max():.2f}).")
        outside = int(((t["lower"] > t["population"]) | (t["upper"] < t["population"])).sum())
        lines.append(f"{outside} of {g} groups {'has' if outside == 1 else 'have'} a {self.level:.0%} interval for "
                     f"{'its' if outside == 1 else 'their'} mean that excludes the population's value"
                     + ((" at its covariates" if outside == 1 else " at their covariates") if c["covariates"] else "")
                     + f": {g} separate intervals, not a test of which groups differ (large groups are flagged more "
                     "easily; lesson 10).")
        return " ".join(lines) + ("\nWarnings:\n- " + "\n- ".join(self.warnings) if self.warnings else "")

    def to_csv(self, path_or_buf=None, **kwargs):
        """Write the per-group table (pandas' ``to_csv``; with no path, return the text)."""
        return self.table.to_csv(path_or_buf, **kwargs)

    def __repr__(self) -> str:
        return self.summary()


def report(data, *, y: str, group: str, covariates=(), slope: str | None = None, level: float = 0.95,
           missing: str = "drop") -> Report:
    r"""Fit the model to ``data`` and return each group's BLUP, weight and interval, with warnings.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation.
    y, group : str, keyword-only
        The response column (numeric) and the grouping column.
    covariates : sequence of str, keyword-only
        Fixed-effect columns.  A constant column is left out with a warning.
    slope : str, optional, keyword-only
        A numeric column given a random slope by group (it is a covariate too).
    level : float, keyword-only
        Interval level, strictly between 0 and 1.
    missing : {"drop", "raise"}, keyword-only
        Rows with a missing value in a used column are left out and counted, or refused.

    Returns
    -------
    Report
        ``.table`` per group, ``.fit``, ``.warnings``, ``.summary()``, ``.to_csv()``,
        ``.seconds``.

    Raises
    ------
    ValueError
        A column that is not in ``data``; a response or slope that is not numeric; missing
        values with ``missing="raise"``; more than :data:`MAX_CELLS` cells; too few rows or
        groups left; a fit the data cannot support (the message says which).

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 3.0, 5.0, 7.0, 2.0, 4.0], "g": list("aabbcc")})
    >>> rep = report(d, y="y", group="g")
    >>> rep.table[["n", "raw_mean", "w"]].round(3)
       n  raw_mean      w
    g
    a  2       2.0  0.769
    b  2       6.0  0.769
    c  2       3.0  0.769
    """
    level = check_level(level)
    missing = check_choice(missing, "missing", ("drop", "raise"))
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame (e.g. pandas.read_csv(path)); got {type(data).__name__}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    used = {"y": y, "group": group}
    for name, col in [("y", y), ("group", group), ("slope", slope)] + [("covariates", c) for c in covariates]:
        if col is not None and col not in data.columns:
            raise ValueError(f"{name}: data has no column {col!r}; its columns are {list(data.columns)[:20]}")
    if slope is not None and slope not in covariates:
        covariates.append(slope)
    cols = list(dict.fromkeys([y, group, *covariates]))
    if len(data) * len(cols) > MAX_CELLS:
        raise ValueError(f"data has {len(data):,} rows × {len(cols)} used columns, more than {MAX_CELLS:,} cells: "
                         "too large to fit in a classroom notebook; fit a random sample of groups, or aggregate "
                         "each group first (group means and counts)")
    frame, dropped, warnings = _complete_rows(data[cols], missing)
    lost = pd.Index(pd.unique(data[group].dropna())).difference(pd.Index(pd.unique(frame[group])))
    if len(lost):
        warnings.append(f"{len(lost)} group{'s' if len(lost) > 1 else ''} lost every row to missing values and "
                        f"{'are' if len(lost) > 1 else 'is'} not in the table: {[plain(v) for v in lost[:5]]}"
                        + (" ..." if len(lost) > 5 else "") + ".")
    for col, what in ((y, "y"), (slope, "slope")):
        if col is not None and not _numeric(frame[col]):
            raise ValueError(f"{what}: column {col!r} must be numeric; got dtype {frame[col].dtype}")
    frame, covariates, slope = _drop_constant(frame, covariates, slope, warnings)

    # safe internal names: any column name works, whatever the formula grammar allows
    names = {y: "y", group: "group", **{c: f"x{k}" for k, c in enumerate(covariates)}}
    d = pd.DataFrame({names[c]: _unnullable(frame[c]) for c in [y, group, *covariates]})
    counts = d.groupby("group", sort=True, observed=True).size()
    if len(counts) < 2:
        raise ValueError(f"group: column {group!r} has {len(counts)} distinct value(s) after dropping missing rows; "
                         "the model needs at least 2 groups")
    if len(counts) < 10:
        warnings.append(f"only {len(counts)} groups: sigma_b2 (the between-group variance) rests on {len(counts)} "
                        "group means, so it is very uncertain, and the plug-in intervals are too narrow (lesson 05).")
    warnings.extend(_response_kind(d["y"]))
    t0 = time.perf_counter()
    try:
        if covariates:
            fixed = " + ".join(names[c] for c in covariates)
            rand = f"({names[slope]} | group)" if slope is not None else "(1 | group)"
            fit = fit_lmm(f"y ~ {fixed} + {rand}", d)
        else:
            fit = fit_oneway(d["y"], d["group"], group_name=group)
    except ValueError as exc:
        text = str(exc)
        for original, internal in names.items():       # say the learner's column names, not ours
            text = text.replace(repr(internal), repr(original))
        raise ValueError(f"the model cannot be fitted to these columns: {text}") from None
    seconds = time.perf_counter() - t0
    table = _group_table(fit, d, level, group)
    single = table["n"] == 1
    if single.any():
        w1 = table.loc[single, "w"]
        span = f"{w1.min():.2f}" if w1.max() - w1.min() < 0.005 else f"{w1.min():.2f} to {w1.max():.2f}"
        warnings.append(f"{int(single.sum())} group{'s have' if single.sum() > 1 else ' has'} a single row: "
                        f"w = {span} for {'them' if single.sum() > 1 else 'it'} (one row's weight is "
                        "sigma_b2/(sigma_b2 + sigma_e2), small only when the noise outweighs the between-group "
                        "variance), and the widest intervals.")
    if fit.singular:
        warnings.append(_singular_warning(fit, {v: k for k, v in names.items()}))
    return Report(table=table, fit=fit, warnings=tuple(warnings), dropped=dropped, seconds=seconds, level=level,
                  columns={"y": y, "group": group, "covariates": tuple(covariates), "slope": slope})


def _response_kind(y: pd.Series) -> list:
    """Warnings when y does not look like a continuous measurement."""
    values = pd.unique(y)
    if len(values) == 2:
        return [f"y has only two values ({sorted(plain(v) for v in values)}): this model treats it as a continuous "
                "measurement; for a yes/no outcome a logistic mixed model (e.g. lme4's glmer) is the right tool, "
                "and these BLUPs can leave the range 0 to 1."]
    whole = np.all(np.asarray(y) == np.round(np.asarray(y))) and np.asarray(y).min() >= 0
    if whole and len(values) <= 20:
        return ["y holds small whole numbers (counts?): this model treats them as continuous with the same noise "
                "everywhere; for counts a Poisson mixed model (or rates as in lesson 08) fits better."]
    return []


def _singular_warning(fit, original) -> str:
    """Say which variance hit 0 (or which correlation ±1), and what that means here."""
    name = next(iter(fit.varcorr))
    cov = fit.varcorr[name]
    terms = [original.get(t, t) for t in cov.columns]
    var = np.diag(cov.to_numpy())
    zero = [t for t, v in zip(terms, var) if v <= 1e-10 * max(float(fit.sigma2), 1e-300)]
    text = "singular fit: "
    if zero:
        text += "the between-group variance of " + " and ".join(f"'{t}'" for t in zero) + " was estimated as 0"
    else:
        text += "a correlation between the random effects was estimated as ±1"
    if zero == ["(Intercept)"] and len(terms) == 1:
        return text + (". The data show no variation between groups beyond what noise explains, so every group is "
                       "given the population value; this is not evidence that the groups are the same.")
    return text + (": the model is at the edge of what the data support; try it without the random slope, or with "
                   "the slope's variable centred (its mean subtracted).")


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _unnullable(s: pd.Series) -> pd.Series:
    """Nullable numbers (Int64, Float64) as float, everything else as it is."""
    if _numeric(s) and isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
        return s.astype(float)
    return s


def _complete_rows(frame, missing):
    na = frame.isna()
    empty = [c for c in frame.columns if na[c].all()]
    if empty:
        raise ValueError(f"column(s) {empty} have no values (every row is missing): pick another column")
    bad = na.any(axis=1).to_numpy()
    if not bad.any():
        return frame, 0, []
    if bad.all():
        raise ValueError(f"every row has a missing value in one of the used columns {list(frame.columns)}: "
                         "no row is left to fit; pick columns with fewer missing values")
    per = {c: int(k) for c, k in na.sum().items() if k}
    what = ", ".join(f"{c!r}: {k}" for c, k in per.items())
    if missing == "raise":
        raise ValueError(f"data has missing values in the used columns ({what}; {_rows(bad)}); "
                         "drop or impute them, or pass missing='drop'")
    return frame[~bad], int(bad.sum()), [f"{int(bad.sum())} rows with missing values were left out ({what})."]


def _drop_constant(frame, covariates, slope, warnings):
    kept = []
    for c in covariates:
        if frame[c].nunique(dropna=True) <= 1:
            value = plain(frame[c].iloc[0])                                   # 2024, not np.int64(2024)
            warnings.append(f"covariate {c!r} is constant ({value!r} in every row): it cannot be told "
                            "apart from the intercept, so it was left out"
                            + (" (and so was its random slope)." if c == slope else "."))
            if c == slope:
                slope = None
        else:
            kept.append(c)
    if (frame.iloc[:, 0].nunique() <= 1) and len(frame):
        raise ValueError(f"y: column {frame.columns[0]!r} is constant ({plain(frame.iloc[0, 0])!r} in every row): "
                         "there is nothing to pool")
    return frame, kept, slope


def _group_table(fit, d, level, group) -> pd.DataFrame:
    """n, raw mean, BLUP, w, the interval of each group's mean and its two parts."""
    name = next(iter(fit.ranef))
    levels = fit.ranef[name].index
    pi = prediction_interval(fit, level, target="group_mean", parts=True).reindex(levels)
    b0 = fit.ranef[name].iloc[:, 0].to_numpy()
    c0 = fit.ranef_cov[name][:, 0, 0]
    sb = float(fit.varcorr[name].iat[0, 0])
    w = 1.0 - c0 / sb if sb > 0 else np.zeros_like(b0)
    raw = d.groupby("group", sort=True, observed=True)["y"].agg(["size", "mean"]).reindex(levels)
    table = pd.DataFrame({"n": raw["size"].to_numpy(), "raw_mean": raw["mean"].to_numpy(), "blup": b0, "w": w,
                          "population": pi["population"].to_numpy(),
                          "prediction": pi["prediction"].to_numpy(), "mean_part": pi["mean"].to_numpy(),
                          "deviation_part": pi["deviation"].to_numpy(),
                          "lower": pi["lower"].to_numpy(), "upper": pi["upper"].to_numpy()},
                         index=pd.Index(levels, name=group))
    if table.isna().any().any():          # a level the pieces disagree on: a bug, never a silent NaN
        raise RuntimeError(f"report: the per-group pieces do not line up ({table.columns[table.isna().any()].tolist()})")
    return table
