r"""Breeding values: the animal model, where relatives' records inform every animal.

.. math:: y = X\beta + Za + \varepsilon, \qquad a \sim N(0, \sigma_a^2 A), \qquad
          \varepsilon \sim N(0, \sigma_\varepsilon^2 I),

with A the numerator relationship matrix of the pedigree (:mod:`blupteach.pedigree`).
Henderson's equations (:func:`blupteach.mme`) give the BLUE :math:`\hat\beta` and the BLUP
:math:`\hat a` of every animal in the pedigree, recorded or not: an animal without a record
gets its value from its relatives through A.

=======================  ==============  =================================================
symbol                   argument        meaning
=======================  ==============  =================================================
:math:`y`                formula's left  the record (one row of ``data`` per record)
:math:`X\beta`           formula's right fixed effects, e.g. ``"wwg ~ 0 + sex"``
:math:`a`                ``animal``      breeding values, one per animal of ``pedigree``
:math:`\sigma_a^2`       ``sigma_a2``    additive genetic variance (REML when None)
:math:`\sigma_\varepsilon^2` ``sigma_e2`` residual variance (REML when None)
:math:`h^2`              ``.h2``         heritability :math:`\sigma_a^2/(\sigma_a^2 + \sigma_\varepsilon^2)`
PEV                      ``pev``         :math:`\operatorname{Var}(\hat a_i - a_i)`, from :math:`C^{-1}`
accuracy                 ``accuracy``    :math:`\sqrt{1 - \mathrm{PEV}_i/((1 + F_i)\sigma_a^2)}`, corr(â, a)
=======================  ==============  =================================================

``animal_model(..., replicates=Y)`` also solves the same equations for many record vectors
(one factorisation of the coefficient matrix), for simulations that replicate a herd.

Used by lesson 09 (breeding values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg

from ._validation import check_variance, plain
from .mixed import LmmFit, fit_lmm, mme
from .mixed.design import build_design
from .pedigree import check_pedigree, relationship_matrix

__all__ = ["AnimalModel", "animal_model"]


@dataclass(frozen=True, repr=False)
class AnimalModel:
    """An animal model's solution (:func:`animal_model`).

    Attributes
    ----------
    breeding_values : pandas.DataFrame
        Indexed by animal (every animal of the pedigree, in its order): ``breeding_value``
        (:math:`\\hat a_i`), ``pev``, ``accuracy``, ``records`` (number of records).
    fixef : pandas.Series
        :math:`\\hat\\beta` (BLUE), named as the formula's columns.
    sigma_a2, sigma_e2 : float
        The variances used (given, or REML estimates).
    method : str
        ``"known variances"`` or ``"REML"``.
    fit : LmmFit or None
        The REML fit when the variances were estimated.
    replicates : ndarray of shape (reps, animals) or None
        The BLUPs for each row of ``replicates`` given to :func:`animal_model` (same equations,
        other records), animals in the pedigree's order.
    """

    breeding_values: pd.DataFrame
    fixef: pd.Series
    sigma_a2: float
    sigma_e2: float
    method: str
    fit: LmmFit | None = None
    replicates: np.ndarray | None = None

    @property
    def h2(self) -> float:
        """Heritability :math:`h^2 = \\sigma_a^2/(\\sigma_a^2 + \\sigma_\\varepsilon^2)`."""
        return self.sigma_a2 / (self.sigma_a2 + self.sigma_e2)

    def __repr__(self) -> str:
        bv = self.breeding_values
        return (f"AnimalModel({len(bv)} animals, {int(bv['records'].sum())} records, {self.method}): "
                f"sigma_a2 = {self.sigma_a2:.4g}, sigma_e2 = {self.sigma_e2:.4g}, h2 = {self.h2:.3f}")


def _pedigree_codes(pedigree) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Animal labels and their sire/dam as 1-based row numbers (0 unknown), checked."""
    if not isinstance(pedigree, pd.DataFrame):
        raise ValueError("pedigree must be a pandas DataFrame with columns 'animal', 'sire', 'dam'")
    missing = [c for c in ("animal", "sire", "dam") if c not in pedigree.columns]
    if missing:
        raise ValueError(f"pedigree has no column(s) {missing}; it needs 'animal', 'sire', 'dam'")
    labels = pd.Index(pedigree["animal"])
    if labels.hasnans:
        raise ValueError("pedigree['animal'] has missing ids; every row must name its animal")
    if labels.has_duplicates:
        raise ValueError(f"pedigree['animal'] lists animal(s) {list(labels[labels.duplicated()][:3])} twice")
    position = {lab: k + 1 for k, lab in enumerate(labels)}
    codes = []
    for col in ("sire", "dam"):
        out = np.zeros(len(labels), dtype=np.int64)
        for k, v in enumerate(pedigree[col].tolist()):
            if v is None or (not isinstance(v, str) and pd.isna(v)) or (v == 0 and 0 not in position):
                continue
            if v not in position:
                raise ValueError(f"animal {plain(labels[k])!r} has {col} {plain(v)!r}, which is not an animal of the pedigree "
                                 f"(give it its own row, or 0/NaN/None for unknown)")
            out[k] = position[v]
        codes.append(out)
    try:
        check_pedigree(*codes)
    except ValueError as exc:                    # name animals by label, not by row number
        raise ValueError(f"{exc} (animal k is row k of pedigree: {[plain(v) for v in labels[:3]]}, ...)") from None
    return labels, codes[0], codes[1]


def _relationships(data, pedigree):
    """The pedigree's labels and A (labelled), after checking that every record's animal is in it."""
    labels, s, d = _pedigree_codes(pedigree)
    A = pd.DataFrame(relationship_matrix(s, d), index=labels, columns=labels)
    unknown = ~data["animal"].isin(labels)
    if unknown.any():
        raise ValueError(f"data has records of animal(s) {pd.unique(data['animal'][unknown]).tolist()[:3]} "
                         f"that are not in the pedigree")
    return labels, A


def _design(full, data, A):
    """The design of ``full`` on ``data``, Z (records, animals) dense, and each record's animal row."""
    des = build_design(full, data, {"animal": A})
    codes = des.blocks[0].codes
    Z = np.zeros((des.y.size, len(A)))
    Z[np.arange(des.y.size), codes] = 1.0
    return des, Z, codes


def animal_model(data, formula: str, pedigree, *, sigma_a2=None, sigma_e2=None, replicates=None) -> AnimalModel:
    r"""Return breeding values of every animal in ``pedigree`` from the records in ``data``.

    Solves :math:`\begin{pmatrix} X'X & X'Z \\ Z'X & Z'Z + \alpha A^{-1} \end{pmatrix}
    \begin{pmatrix}\hat\beta \\ \hat a\end{pmatrix} = \begin{pmatrix} X'y \\ Z'y \end{pmatrix}`,
    :math:`\alpha = \sigma_\varepsilon^2/\sigma_a^2`, at the given variances, or at their REML
    estimates (``bt.fit_lmm`` with ``(1 | animal)`` and ``K = {"animal": A}``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per record: an ``animal`` column (ids of ``pedigree``) and the formula's columns.
    formula : str
        The fixed part in lme4 syntax, e.g. ``"wwg ~ 0 + sex"``; ``(1 | animal)`` is added.
    pedigree : pandas.DataFrame
        Columns ``animal``, ``sire``, ``dam``; parents before offspring; an unknown parent is
        0, NaN or None.
    sigma_a2, sigma_e2 : float or None, keyword-only
        Known variances (both), or None for both to be estimated by REML.
    replicates : array_like of shape (reps, records) or None, keyword-only
        Other records for the same design, one row per replicate in the order of ``data``'s
        rows (e.g. simulated herds on the same pedigree): their BLUPs, from the same
        factorisation of the coefficient matrix (which does not depend on the records), are
        returned as ``.replicates``.

    Returns
    -------
    AnimalModel

    Raises
    ------
    ValueError
        A pedigree fault (naming the animal); a record of an animal not in the pedigree;
        only one of the two variances given; a variance <= 0; a formula that already has a
        random term; ``replicates`` not of shape (reps, records) or not finite.

    Examples
    --------
    >>> ped = pd.DataFrame({"animal": [1, 2, 3], "sire": [0, 0, 1], "dam": [0, 0, 2]})
    >>> rec = pd.DataFrame({"animal": [1, 2], "y": [1.0, -1.0]})
    >>> am = animal_model(rec, "y ~ 1", ped, sigma_a2=1.0, sigma_e2=1.0)
    >>> am.breeding_values["breeding_value"].round(3).tolist()   # 3: the mean of its parents'
    [0.5, -0.5, 0.0]
    >>> animal_model(rec, "y ~ 1", ped, sigma_a2=1.0, sigma_e2=1.0,
    ...              replicates=[[2.0, 0.0], [0.0, 0.0]]).replicates.round(3).tolist()
    [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]]
    """
    if (sigma_a2 is None) != (sigma_e2 is None):
        raise ValueError("give both sigma_a2 and sigma_e2 (known variances) or neither (REML estimates both)")
    if not isinstance(formula, str) or "|" in formula:
        raise ValueError("formula must be the fixed part only (e.g. 'wwg ~ 0 + sex'); (1 | animal) is added")
    if not isinstance(data, pd.DataFrame) or "animal" not in data.columns:
        raise ValueError("data must be a pandas DataFrame with an 'animal' column naming each record's animal")
    if replicates is not None:
        replicates = np.asarray(replicates, dtype=float)
        if replicates.ndim != 2 or replicates.shape[1] != len(data):
            raise ValueError(f"replicates must have shape (reps, {len(data)}): one row of records per replicate; "
                             f"got {replicates.shape}")
        if not np.isfinite(replicates).all():
            raise ValueError("replicates has NaN or infinite records")
    labels, A = _relationships(data, pedigree)
    full = f"{formula} + (1 | animal)"
    fit = None
    if sigma_a2 is None:
        fit = fit_lmm(full, data, K={"animal": A})
        sigma_e2 = fit.sigma2
        sigma_a2 = float(fit.varcorr["animal"].iat[0, 0])
        method = "REML"
    else:
        sigma_a2 = float(check_variance(sigma_a2, "sigma_a2", positive=True))
        sigma_e2 = float(check_variance(sigma_e2, "sigma_e2", positive=True))
        method = "known variances"
    des, Z, codes = _design(full, data, A)
    sol = mme(des.X, Z, sigma_a2 * A.to_numpy(), sigma_e2, des.y)
    p = des.X.shape[1]
    q = len(labels)
    # PEV_i = (C^-1)_ii over the a-block (R = sigma_e2 I is inside C): solve, never invert
    factor = linalg.cho_factor(sol.C)
    pev = np.diag(linalg.cho_solve(factor, np.eye(p + q)[:, p:])[p:])
    reps = None
    if replicates is not None:                    # same C, one right-hand side (X'y; Z'y)/σ_ε² per replicate
        reps = linalg.cho_solve(factor, np.vstack([des.X.T, Z.T]) @ replicates.T / sigma_e2)[p:].T
    var_a = sigma_a2 * np.diag(A.to_numpy())     # Var(a_i) = (1 + F_i) sigma_a2
    bv = pd.DataFrame({"breeding_value": sol.b_hat, "pev": pev,
                       "accuracy": np.sqrt(np.maximum(1.0 - pev / var_a, 0.0)),
                       "records": np.bincount(codes, minlength=len(labels))},
                      index=pd.Index(labels, name="animal"))
    return AnimalModel(breeding_values=bv, fixef=pd.Series(sol.beta_hat, index=des.xnames),
                       sigma_a2=sigma_a2, sigma_e2=sigma_e2, method=method, fit=fit, replicates=reps)

