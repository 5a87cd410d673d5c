r"""lme4-style formulas → the fixed-effects matrix X and random-effect blocks.

The formula is *parsed* by the ``formulae`` library (the parser Bambi uses);
the design matrices are built here from factor codes, which is much faster
and lighter than formulae's own builder and keeps lme4's meaning of
``(x | g)`` (a correlated intercept and slope, one 2 × 2 covariance block).

Column names follow lme4: ``(Intercept)``, a numeric column by its name
(``Days``), a categorical column by its name and level with treatment
contrasts against its first level (``MachineB``), ``C(x)B`` when ``x`` is
wrapped in ``C()``, and interactions joined by ``:`` (``x:MachineB``).
Levels are a categorical column's categories in order, else its sorted
unique values.

Random-effect blocks: each parenthesised ``(expr | factor)`` is one block
with one covariance matrix over its terms; ``(1 | school/class)`` gives two
blocks, ``school`` and ``school:class``.  A second block on a factor already
used is named ``g.1`` (as lme4 does), e.g. ``(1 | g) + (0 + x | g)``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from formulae import model_description

__all__ = ["parse_formula", "ParsedFormula", "Block", "factor_codes", "build_columns"]

_CALL_C = re.compile(r"^C\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)$")


@dataclass
class Block:
    """One random-effect block ``(terms | factor)``: a k × k covariance over its terms."""

    name: str                       # key in varcorr / ranef ("Subject", "school:class", "g.1")
    factor: tuple                   # variable names whose combination is the grouping factor
    terms: list                     # list of term specs (see build_columns); () is the intercept


@dataclass
class ParsedFormula:
    response: str
    fixed: list                     # term specs; () is the intercept
    blocks: list                    # list of Block
    variables: list                 # every data column the formula uses


def _term_spec(term):
    """A formulae term → tuple of (variable, is_categorical_call) components; () is the intercept."""
    if type(term).__name__ == "Intercept":
        return ()
    comps = []
    for c in term.components:
        kind = type(c).__name__
        if kind == "Variable":
            comps.append((c.name, False))
        elif kind == "Call":
            m = _CALL_C.match(c.name.replace(" ", ""))
            if not m:
                raise ValueError(f"formula: the call {c.name!r} is not supported; only C(x) (treat x as "
                                 "categorical) is; compute transformed columns in the data first")
            comps.append((m.group(1), True))
        else:
            raise ValueError(f"formula: the term {term!r} is not supported")
    return tuple(comps)


def _random_chunks(formula: str):
    """Top-level '( ... | ... )' substrings of the formula (the random-effect blocks)."""
    chunks, depth, start = [], 0, None
    for i, ch in enumerate(formula):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and start is not None and "|" in formula[start:i]:
                chunks.append(formula[start:i + 1])
    return chunks


def parse_formula(formula: str) -> ParsedFormula:
    """Parse ``"y ~ x + (x | g)"`` into the response, fixed terms and random-effect blocks.

    Raises
    ------
    ValueError
        ``formula`` is not a string, cannot be parsed, has no response or no random term.
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError(f"formula must be a string like 'y ~ x + (1 | g)'; got {formula!r}")
    return copy.deepcopy(_parse_cached(formula))   # a fresh copy: callers may not share state


@lru_cache(maxsize=256)
def _parse_cached(formula: str) -> ParsedFormula:
    try:
        desc = model_description(formula)
    except Exception as exc:
        raise ValueError(f"formula {formula!r} could not be parsed ({exc}); lme4 syntax such as "
                         "'y ~ x + (x | g)' is expected ('||' is not supported: write (1 | g) + (0 + x | g))") from None
    if desc.response is None:
        raise ValueError(f"formula {formula!r} has no response on the left of '~'")
    response = _term_spec(desc.response.term)
    if len(response) != 1 or response[0][1]:
        raise ValueError(f"formula: the response must be one numeric column; got {desc.response.term!r}")
    fixed = [_term_spec(t) for t in desc.common_terms]
    fixed.sort(key=lambda s: s != ())   # intercept first, the rest in formula order

    blocks, used = [], {}
    for chunk in _random_chunks(formula):
        sub = model_description(f"{response[0][0]} ~ 0 + {chunk}")
        by_factor: dict = {}
        for gt in sub.group_terms:
            fac = tuple(name for name, _ in _term_spec(gt.factor))
            by_factor.setdefault(fac, []).append(_term_spec(gt.expr))
        for fac, terms in by_factor.items():
            terms.sort(key=lambda s: s != ())
            base = ":".join(fac)
            count = used.get(base, 0)
            used[base] = count + 1
            blocks.append(Block(name=base if count == 0 else f"{base}.{count}", factor=fac, terms=terms))
    if not blocks:
        raise ValueError(f"formula {formula!r} has no random-effect term such as (1 | g); "
                         "use ordinary least squares for a model without random effects")
    variables = [response[0][0]]
    for spec in fixed + [t for b in blocks for t in b.terms]:
        variables += [name for name, _ in spec]
    for b in blocks:
        variables += list(b.factor)
    variables = list(dict.fromkeys(variables))
    return ParsedFormula(response=response[0][0], fixed=fixed, blocks=blocks, variables=variables)


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


def factor_codes(data: pd.DataFrame, factor: tuple, levels=None):
    """Integer codes (0..L-1, -1 for a level not in ``levels``) and the levels (an Index) of a grouping factor.

    A factor of several variables (``school:class``) has the observed combinations
    as levels, labelled ``"a:b"``.
    """
    if len(factor) == 1:
        col = data[factor[0]]
    else:
        col = data[factor[0]].astype(str)
        for name in factor[1:]:
            col = col + ":" + data[name].astype(str)
    if levels is None and not isinstance(col.dtype, pd.CategoricalDtype):
        try:
            codes, levels = pd.factorize(col, sort=True)
            return codes.astype(np.int64), pd.Index(levels)
        except TypeError:
            pass
    levels = levels_of(col) if levels is None else pd.Index(levels)
    codes = levels.get_indexer(col)
    return codes.astype(np.int64), levels


def build_columns(data: pd.DataFrame, specs: list, levels: dict):
    """Columns of the term ``specs`` on ``data`` → (ndarray N × m, names).

    ``levels`` maps categorical variable names to their level lists; missing
    entries are filled in from ``data`` (so the same dict rebuilds the same
    columns on new data).  A level of ``data`` not in ``levels`` raises.
    """
    n = len(data)
    cols, names = [], []
    for spec in specs:
        if spec == ():
            cols.append(np.ones(n))
            names.append("(Intercept)")
            continue
        parts = [(np.ones(n), "")]
        for var, forced in spec:
            col = data[var]
            if forced or _is_categorical(col):
                key = f"C({var})" if forced else var
                if key not in levels:
                    levels[key] = levels_of(col)
                lev = pd.Index(levels[key])
                codes = lev.get_indexer(col)
                if (codes < 0).any():
                    bad = pd.unique(col[codes < 0])[:3]
                    raise ValueError(f"data: column {var!r} has level(s) {list(bad)} not seen in the fit")
                new = [(codes == j).astype(float) for j in range(1, len(lev))]
                labels = [f"{key}{lev[j]}" for j in range(1, len(lev))]
            else:
                new, labels = [col.to_numpy(dtype=float)], [var]
            parts = [(a * b, f"{la}:{lb}" if la else lb) for a, la in parts for b, lb in zip(new, labels)]
        for a, la in parts:
            cols.append(a)
            names.append(la)
    X = np.column_stack(cols) if cols else np.empty((n, 0))
    return X, names
