"""Input checks shared by the public functions (private: not re-exported).

Every check takes the argument's *name* so the error says which argument was
wrong and what was expected, in the style of scikit-learn's
``sklearn/utils/validation.py``.  Nothing here mutates or repairs its input.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import linalg

__all__ = [
    "as_float_array",
    "check_scalar",
    "check_nonnegative",
    "check_variance",
    "check_variances",
    "check_counts",
    "check_whole",
    "check_level",
    "check_choice",
    "check_seed",
    "check_same_length",
    "check_broadcast",
    "group_codes",
    "cholesky",
]


def _rows(mask: np.ndarray, most: int = 5) -> str:
    """'rows 4, 17, 90' (first few positions where mask is true)."""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in idx[:most])
    more = f" and {idx.size - most} more" if idx.size > most else ""
    return f"row{'s' if idx.size > 1 else ''} {shown}{more}"


def as_float_array(x, name: str, *, ndim: int | None = None, allow_empty: bool = False):
    """Return ``x`` as a float ndarray (a new array; ``x`` is not changed).

    Raises ``ValueError`` naming ``name`` when ``x`` is not numeric, holds NaN or
    inf, is empty, or has the wrong number of dimensions.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists etc.
        raise ValueError(f"{name} must be numeric array-like; could not convert it ({exc})") from None
    if arr.dtype == bool:
        arr = arr.astype(float)
    if not (np.issubdtype(arr.dtype, np.number)):
        # Text is not numeric even when it parses ("1.5"): a column read as text is a
        # data problem the user should see, not something to convert quietly.
        text = [v for v in arr.ravel()[:1000] if isinstance(v, (str, bytes, np.str_, np.bytes_))]
        if arr.dtype.kind in "USa" or text:
            example = text[0] if text else arr.ravel()[0]
            raise ValueError(
                f"{name} must be numeric; got text values (e.g. {str(example)!r}). "
                f"Convert the column to numbers first (e.g. pandas.to_numeric) or drop the non-numeric entries."
            )
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be numeric; got values of type {arr.dtype} "
                f"(e.g. {arr.ravel()[:1].tolist()!r}). Convert or drop the non-numeric entries."
            ) from None
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real-valued; got complex numbers")
    arr = np.array(arr, dtype=float, copy=True)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty; it needs at least one value")
    bad = ~np.isfinite(arr)
    if bad.any():
        flat = bad.ravel()
        n_nan = int(np.isnan(arr).sum())
        kind = "NaN" if n_nan == bad.sum() else "NaN or infinite"
        raise ValueError(
            f"{name} has {int(bad.sum())} {kind} value{'s' if bad.sum() > 1 else ''} "
            f"({_rows(flat)}); drop or impute them first"
        )
    return arr


def plain(value):
    """A numpy scalar as its Python value, anything else as it is: messages say 9, not np.int64(9)."""
    return value.item() if isinstance(value, np.generic) else value


def check_scalar(x, name: str) -> float:
    """Return ``x`` as a finite float; a NaN, inf, text, bool or array raises naming ``name``."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.ndarray)) or np.ndim(x) != 0:
        raise ValueError(f"{name} must be a single finite number; got {x!r}")
    val = float(x)
    if not np.isfinite(val):
        raise ValueError(f"{name} must be a finite number; got {x!r}")
    return val


def check_nonnegative(x, name: str) -> float:
    """Return ``x`` as a finite float >= 0 (a strength, an effect size); anything else raises naming ``name``."""
    val = check_scalar(x, name)
    if val < 0:
        raise ValueError(f"{name} must be >= 0; got {val:g}")
    return val


def check_variance(x, name: str, *, positive: bool = False):
    """Return a variance (scalar or array) as float: finite and >= 0 (> 0 with ``positive=True``).

    ``positive=True`` is for a variance that divides (σ_ε² in a likelihood or an interval).
    """
    if isinstance(x, numbers.Number) and not isinstance(x, bool):
        val = float(x)
        if not np.isfinite(val):
            raise ValueError(f"{name} must be a finite number >= 0, got {x}")
        arr = np.asarray(val)
    else:
        arr = as_float_array(x, name)
        val = arr
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0 (it is a variance), got {_values(arr, arr < 0, 'negative')}")
    if positive and (arr == 0).any():
        raise ValueError(f"{name} must be > 0 (a variance that divides), got {_values(arr, arr == 0, 'zero')}")
    return val


def check_variances(sigma_b2, sigma_e2, *, signal: bool = False) -> tuple[float, float]:
    """The pair (σ_b² >= 0, σ_ε² > 0) as two floats: single numbers, the noise variance positive.

    ``signal=True`` requires σ_b² > 0 too (a simulation study needs signal and noise).
    """
    sigma_b2 = check_variance(sigma_b2, "sigma_b2", positive=signal)
    sigma_e2 = check_variance(sigma_e2, "sigma_e2", positive=True)
    for value, name in ((sigma_b2, "sigma_b2"), (sigma_e2, "sigma_e2")):
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a single number; got shape {np.shape(value)}")
    return float(sigma_b2), float(sigma_e2)


def _values(arr: np.ndarray, mask: np.ndarray, kind: str) -> str:
    """The offending value of a scalar, or '<kind> values (rows ...)' of an array."""
    if arr.ndim == 0:
        return f"{float(arr):g}"
    return f"{kind} values ({_rows(mask.ravel())})"


def check_counts(n, name: str = "n"):
    """Return counts ``n`` as float (scalar or array): finite, whole numbers, >= 0."""
    arr = as_float_array(n, name)
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0 (a number of observations); got negative values")
    if (arr != np.round(arr)).any():
        raise ValueError(f"{name} must hold whole numbers (observations per group); got {arr.ravel()[arr.ravel() != np.round(arr.ravel())][0]}")
    return float(arr) if arr.ndim == 0 else arr


def check_whole(value, name: str, least: int = 1) -> int:
    """Return ``value`` as an int if it is a whole number (a Python or NumPy int, not a bool) >= ``least``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be a whole number >= {least}; got {value!r}")
    return int(value)


def check_level(level, name: str = "level") -> float:
    """Return a probability ``level`` (e.g. 0.95) as a float strictly between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not np.isfinite(level):
        raise ValueError(f"{name} must be a number strictly between 0 and 1 (e.g. 0.95); got {level!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1 (e.g. 0.95, not 95); got {level!r}")
    return float(level)


def check_seed(seed, name: str = "seed") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a whole-number seed >= 0 or a Generator.

    The one seed rule of the package: every random draw is seeded, so ``None`` (an
    unseeded draw) is refused, as are bools, floats and negative numbers.  A Generator
    is returned as it is (it is then advanced by the draws, as numpy does).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"{name} must be a whole number >= 0 or a numpy.random.Generator (every draw is "
            f"seeded so that notebooks print the same numbers each run); got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def check_choice(value, name: str, choices):
    """Return ``value`` if it is one of ``choices`` (case-insensitive for strings)."""
    if isinstance(value, str):
        for c in choices:
            if value.upper() == c.upper():
                return c
    raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def check_same_length(a, a_name: str, b, b_name: str):
    """Raise if ``len(a) != len(b)``."""
    if len(a) != len(b):
        raise ValueError(f"{b_name} must have {len(a)} entries to match {a_name}; got {len(b)}")


def group_codes(labels, name: str = "group", *, length: int | None = None, length_of: str = "y"):
    """Return ``(codes, levels)``: each label's position among the sorted distinct labels.

    The one rule for labels: any hashable values (text, numbers, categories); a missing
    label (None, NaN, pandas NA) raises, naming its rows; ``length`` checks the count
    against the argument ``length_of``.
    ``codes`` is an int ndarray (N,), ``levels`` a pandas Index (g,).
    """
    if isinstance(labels, pd.DataFrame):
        raise ValueError(f"{name} must be one column of labels, not a DataFrame")
    if isinstance(labels, (str, bytes)) or np.ndim(labels) == 0 and not isinstance(labels, (list, tuple)):
        raise ValueError(f"{name} must be a sequence of labels (one per observation); got {labels!r}")
    # Keep missing labels visible: np.asarray(["a", nan]) would turn NaN into the text "nan".
    if isinstance(labels, pd.Series):
        values = labels.to_numpy()
    elif isinstance(labels, (np.ndarray, pd.Index, pd.Categorical)):
        values = labels
    else:
        values = list(labels)
    series = pd.Series(values)
    if series.ndim != 1 or (len(series) and isinstance(series.iloc[0], (list, tuple, np.ndarray))):
        raise ValueError(f"{name} must be one label per observation, not nested sequences")
    if length is not None and len(series) != length:
        raise ValueError(f"{name} must have {length} entries to match {length_of}; got {len(series)}")
    missing = series.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"{name} has {int(missing.sum())} missing label{'s' if missing.sum() > 1 else ''} "
            f"({_rows(missing)}); every observation needs a {name}"
        )
    codes, levels = pd.factorize(series, sort=True)
    return codes.astype(np.intp), pd.Index(levels)


def cholesky(M, name: str):
    """Return scipy's ``cho_factor`` of a symmetric positive definite ``M``, or raise naming it."""
    try:
        return linalg.cho_factor(M)
    except (linalg.LinAlgError, ValueError):
        raise ValueError(
            f"{name} is not positive definite (a variance is 0 where it must not be, or the "
            "design has redundant columns); check the variances and the design"
        ) from None


def check_broadcast(**arrays):
    """Return the common broadcast shape of the named arrays, or raise naming them.

    ``check_broadcast(group_means=ybar, n=n)`` raises
    "group_means (shape (3,)) and n (shape (2,)) must have matching lengths ...".
    """
    shapes = {k: np.shape(v) for k, v in arrays.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = " and ".join(f"{k} (shape {s})" for k, s in shapes.items())
        raise ValueError(
            f"{listed} must have matching lengths (one value per group), or be scalars"
        ) from None
