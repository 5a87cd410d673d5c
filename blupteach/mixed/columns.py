r"""Model-matrix columns from data, coded as R's ``model.matrix`` codes them (lme4 uses it).

A term is a tuple of components ``(variable, forced_categorical)``; ``()`` is the
intercept.  A numeric component is its column; a categorical one (text, bool,
``pandas.Categorical``, or wrapped in ``C()``) is coded by its levels
:math:`\ell_0 < \ell_1 < \dots` in one of two ways, chosen by R's rule
(Chambers & Hastie 1992, *Statistical Models in S*, p. 38; R's ``TermCode``):

=================  ============================================  ==============================
coding             columns                                       when
=================  ============================================  ==============================
contrasts          indicators of :math:`\ell_1, \ell_2, \dots`    the term with this variable
(treatment)        (the first level is the baseline)             removed is empty (the
                                                                 intercept) or is contained in
                                                                 an earlier term
full (dummy)       indicators of every level                     otherwise; and, in a model
                                                                 without an intercept, the first
                                                                 categorical variable of the
                                                                 first term that has one
=================  ============================================  ==============================

So ``~ Machine`` gives ``(Intercept), MachineB, MachineC`` and ``~ 0 + Machine`` gives
``MachineA, MachineB, MachineC`` — in lme4 ``(0 + Machine | Worker)`` is a 3 × 3
block, not 2 × 2.  Interactions multiply their components' columns and are named
``x:MachineB``.  Levels are a categorical column's categories in order, else its
sorted unique values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["levels_of", "factor_codes", "build_columns"]


def _is_categorical(col: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)


def levels_of(col: pd.Series) -> pd.Index:
    """Levels of a categorical column: its categories in order, else its sorted unique values."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return pd.Index(col.cat.categories)
    try:
        return pd.Index(pd.factorize(col, sort=True)[1])
    except TypeError:                       # mixed types that do not sort: sort by their text
        return pd.Index(sorted(pd.unique(col), key=str), dtype=object)


def _sorted_factorize(col: pd.Series, factorized=None):
    """``pd.factorize(col, sort=True)`` (codes int64, -1 for a missing value; sorted uniques),
    sorting the l distinct values rather than the N rows; ``factorized``: ``pd.factorize(col)``
    if already made."""
    if factorized is None:
        factorized = pd.factorize(col.to_numpy() if col.dtype == object else col)   # object: no Series overhead
    codes, uniques = factorized
    try:
        order = np.argsort(np.asarray(uniques), kind="stable")
    except TypeError:                       # e.g. text and numbers mixed: pandas' own ordering
        codes, uniques = pd.factorize(col, sort=True)
        return codes.astype(np.int64), uniques
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return np.where(codes >= 0, rank[codes], -1), uniques[order]


def factor_codes(data: pd.DataFrame, factor: tuple, levels=None, factorized=None):
    """Integer codes (0..L-1, -1 for a level not in ``levels``) and the levels (an Index) of a grouping factor.

    A factor of several variables (``school:class``) has the observed combinations
    as levels, labelled ``"a:b"``.  ``factorized``: column name → ``pd.factorize`` of
    that column, where already made (:func:`.design.build_design`).
    """
    if len(factor) == 1:
        col = data[factor[0]]
    else:
        col = data[factor[0]].astype(str)
        for name in factor[1:]:
            col = col + ":" + data[name].astype(str)
    if levels is None and not isinstance(col.dtype, pd.CategoricalDtype):
        try:
            done = (factorized or {}).get(factor[0]) if len(factor) == 1 else None
            codes, levels = _sorted_factorize(col, done)
            return codes, pd.Index(levels)
        except TypeError:
            pass
    levels = levels_of(col) if levels is None else pd.Index(levels)
    codes = levels.get_indexer(col)
    return codes.astype(np.int64), levels


def _full_coding(specs: list, categorical) -> set:
    """(term index, component) pairs that R codes with every level (see the module table)."""
    full = set()
    for t, spec in enumerate(specs):
        for comp in spec:
            if not categorical(comp):
                continue
            rest = set(spec) - {comp}
            if rest and not any(rest <= set(earlier) for earlier in specs[:t]):
                full.add((t, comp))
    if () not in specs:
        for t, spec in enumerate(specs):
            first = next((comp for comp in spec if categorical(comp)), None)
            if first is not None:
                full.add((t, first))
                break
    return full


def build_columns(data: pd.DataFrame, specs: list, levels: dict):
    """Columns of the term ``specs`` on ``data`` → (ndarray N × m, names).

    ``specs`` is the whole model part (the fixed terms, or one random block's terms)
    because the coding of a categorical variable depends on the other terms (module
    notes).  ``levels`` maps categorical variable names to their level lists; missing
    entries are filled in from ``data`` (so the same dict rebuilds the same columns
    on new data).  A level of ``data`` not in ``levels`` raises ``ValueError``.
    """
    n = len(data)

    def categorical(comp):
        var, forced = comp
        return forced or var in levels or _is_categorical(data[var])

    full = _full_coding(specs, categorical)
    cols, names = [], []
    for t, spec in enumerate(specs):
        if spec == ():
            cols.append(np.ones(n))
            names.append("(Intercept)")
            continue
        parts = [(np.ones(n), "")]
        for comp in spec:
            var, forced = comp
            col = data[var]
            if categorical(comp):
                key = f"C({var})" if forced else var
                if key not in levels:
                    levels[key] = levels_of(col)
                lev = pd.Index(levels[key])
                codes = lev.get_indexer(col)
                if (codes < 0).any():
                    bad = pd.unique(col[codes < 0])[:3]
                    raise ValueError(f"data: column {var!r} has level(s) {list(bad)} not seen in the fit")
                first = 0 if (t, comp) in full else 1
                new = [(codes == j).astype(float) for j in range(first, len(lev))]
                labels = [f"{key}{lev[j]}" for j in range(first, len(lev))]
            else:
                new, labels = [col.to_numpy(dtype=float)], [var]
            parts = [(a * b, f"{la}:{lb}" if la else lb) for a, la in parts for b, lb in zip(new, labels)]
        for a, la in parts:
            cols.append(a)
            names.append(la)
    X = np.column_stack(cols) if cols else np.empty((n, 0))
    return X, names
