r"""Reading a learner's own table safely: a size bound checked before parsing, plain-words errors.

Lesson 11 (your own data) reads a CSV the learner uploads or points at, then hands it to
:func:`blupteach.report`.  Two limits keep a classroom kernel alive:

==========================  ====================  =============================================
bound                       where                 why
==========================  ====================  =============================================
:data:`MAX_BYTES` (200 MB)  here, before parsing  pandas holds a numeric CSV in about its text
                                                  size and text columns in several times that;
                                                  200 MB stays well inside a 4–8 GB laptop
:data:`report.MAX_CELLS`    :func:`report`        rows × used columns (2·10⁷): the fit's memory
==========================  ====================  =============================================
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

__all__ = ["MAX_BYTES", "read_table"]

MAX_BYTES = 200_000_000      # 200 MB of CSV text: about 4·10⁶ rows of five numeric columns

TOO_LARGE = ("{what} is {size:,} bytes, more than the {limit:,} bytes ({mb:g} MB) a classroom notebook should parse: "
             "take a random sample of groups (all rows of each sampled group), or aggregate each group to its mean "
             "and count first, and read that smaller file")


def read_table(source, *, max_bytes: int = MAX_BYTES, name: str | None = None) -> pd.DataFrame:
    r"""Return the CSV in ``source`` as a DataFrame, refusing a file too large to parse in class.

    The size in bytes is checked *before* anything is parsed, so a huge file costs no memory.

    Parameters
    ----------
    source : str, os.PathLike, bytes or memoryview
        A path to a CSV file, or the file's content (what an ipywidgets ``FileUpload`` holds).
    max_bytes : int, keyword-only
        The bound (default :data:`MAX_BYTES`, 200 MB).
    name : str, optional, keyword-only
        What to call the file in messages (default: the path, or "the upload").

    Returns
    -------
    pandas.DataFrame
        At least one row and two columns.

    Raises
    ------
    ValueError
        ``source`` larger than ``max_bytes``; a path that does not exist; an empty file; a file
        that is not comma-separated text (one column, or unreadable bytes).

    Examples
    --------
    >>> read_table(b"y,g\n1,a\n2,b\n").shape
    (2, 2)
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be a whole number of bytes > 0; got {max_bytes!r}")
    if isinstance(source, (bytes, bytearray, memoryview)):
        what = name or "the upload"
        size = memoryview(source).nbytes
        if size > max_bytes:
            raise ValueError(TOO_LARGE.format(what=what, size=size, limit=max_bytes, mb=max_bytes / 1e6))
        handle = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        what = name or str(path)
        if not path.is_file():
            raise ValueError(f"source: no file at {str(path)!r}; check the path (relative to {os.getcwd()!r})")
        size = path.stat().st_size
        if size > max_bytes:
            raise ValueError(TOO_LARGE.format(what=what, size=size, limit=max_bytes, mb=max_bytes / 1e6))
        handle = path
    else:
        raise ValueError(f"source must be a path or the bytes of a CSV file; got {type(source).__name__}")
    if size == 0:
        raise ValueError(f"{what} is empty (0 bytes): pick a CSV file with a header line and rows")
    try:
        frame = pd.read_csv(handle)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{what} could not be read as a CSV file ({type(exc).__name__}: {str(exc)[:120]}); "
                         "save it as comma-separated text (a header line, then one row per observation)") from None
    if frame.shape[1] < 2:
        raise ValueError(f"{what} has {frame.shape[1]} column(s) ({list(frame.columns)[:3]}): it needs a response and "
                         "a grouping column; is it comma-separated (not ';' or tabs)?")
    if len(frame) == 0:
        raise ValueError(f"{what} has a header but no rows")
    return frame
