"""Input checks shared by the public functions (private: not re-exported).

Every check takes the argument's *name* so the error says which argument was
wrong and what was expected, in the style of scikit-learn's
``sklearn/utils/validation.py``.  Nothing here mutates or repairs its input.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_float_array",
    "check_variance",
    "check_counts",
    "check_whole",
    "check_choice",
    "check_same_length",
    "check_broadcast",
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


def check_variance(x, name: str):
    """Return a variance (scalar or array) as float, checking it is finite and >= 0."""
    if isinstance(x, numbers.Number) and not isinstance(x, bool):
        val = float(x)
        if not np.isfinite(val):
            raise ValueError(f"{name} must be a finite number >= 0, got {x}")
        if val < 0:
            raise ValueError(f"{name} must be >= 0 (it is a variance), got {x}")
        return val
    arr = as_float_array(x, name)
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0 (it is a variance); got negative values ({_rows(arr.ravel() < 0)})")
    return arr


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
