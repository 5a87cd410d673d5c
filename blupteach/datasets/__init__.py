"""The course's real data sets, loaded by name.

>>> from blupteach import datasets
>>> datasets.names()[:3]
['chickweight', 'dyestuff', 'dyestuff2']
>>> datasets.load("dyestuff").shape
(30, 2)

Provenance and the studies to cite are in ``DATA.md`` beside this file
(:func:`provenance` prints it).
"""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

__all__ = ["names", "load", "load_counties", "provenance"]

_HERE = resources.files(__name__)


def names() -> list[str]:
    """Names of the bundled CSV data sets, sorted."""
    return sorted(p.name[:-4] for p in _HERE.iterdir() if p.name.endswith(".csv"))


def load(name: str) -> pd.DataFrame:
    """Return the bundled data set ``name`` as a new DataFrame (e.g. ``"sleepstudy"``).

    Raises
    ------
    ValueError
        ``name`` is not one of :func:`names`.
    """
    if not isinstance(name, str) or name not in names():
        raise ValueError(f"name must be one of {names()}; got {name!r}")
    with resources.as_file(_HERE / f"{name}.csv") as path:
        return pd.read_csv(path)


def load_counties() -> list[dict]:
    """County outlines for ``nc_sids`` (same order): ``[{"county": str, "rings": [[[lon, lat], ...], ...]}]``."""
    return json.loads((_HERE / "nc_counties.json").read_text())["counties"]


def provenance() -> str:
    """The provenance table (``DATA.md``): where each data set comes from and what to cite."""
    return (_HERE / "DATA.md").read_text()
