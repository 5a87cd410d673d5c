"""The bundled data sets: present, shaped as DATA.md says, loaded fresh, refused by bad name."""
import numpy as np
import pandas as pd
import pytest

import blupteach as bt

# name -> (rows, columns that must be there), from blupteach/datasets/DATA.md
EXPECTED = {
    "chickweight": (578, ["weight", "Time", "Chick", "Diet"]),
    "dyestuff": (30, ["Batch", "Yield"]),
    "dyestuff2": (30, ["Batch", "Yield"]),
    "efron_morris_1970": (18, ["Player", "AB", "Hits", "RemainingAB", "RemainingHits"]),
    "exam_schools": (4059, ["school", "normexam", "standLRT", "sex"]),
    "nc_sids": (100, ["county", "BIR74", "SID74", "BIR79", "SID79", "lon", "lat"]),
    "radon_mn": (919, ["floor", "county", "log_radon", "log_uranium"]),
    "sleepstudy": (180, ["Reaction", "Days", "Subject"]),
}


def test_names():
    assert bt.datasets.names() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shape_and_columns(name):
    rows, cols = EXPECTED[name]
    d = bt.datasets.load(name)
    assert isinstance(d, pd.DataFrame)
    assert len(d) == rows
    assert set(cols) <= set(d.columns), f"{name} lacks {set(cols) - set(d.columns)}"
    assert not d[cols].isna().any().any(), f"{name} has missing values in {cols}"


def test_groupings_as_documented():
    dye = bt.datasets.load("dyestuff")
    assert dye.groupby("Batch").size().tolist() == [5] * 6
    radon = bt.datasets.load("radon_mn")
    per_county = radon.groupby("county").size()
    assert (per_county.size, per_county.min(), per_county.max()) == (85, 1, 116)
    chick = bt.datasets.load("chickweight")
    per_chick = chick.groupby("Chick").size()
    assert (per_chick.size, per_chick.min(), per_chick.max()) == (50, 2, 12)
    assert sorted(chick["Diet"].unique()) == [1, 2, 3, 4]
    sleep = bt.datasets.load("sleepstudy")
    assert sleep["Subject"].nunique() == 18 and sorted(sleep["Days"].unique()) == list(range(10))
    em = bt.datasets.load("efron_morris_1970")
    assert (em["AB"] == 45).all() and (em["Hits"] <= em["AB"]).all()
    exam = bt.datasets.load("exam_schools")
    per_school = exam.groupby("school").size()
    assert (per_school.size, per_school.min(), per_school.max()) == (65, 2, 198)
    sids = bt.datasets.load("nc_sids")
    rate = 1000 * sids["SID74"] / sids["BIR74"]
    assert rate.min() == 0 and 9 < rate.max() < 10
    assert sids["BIR74"].min() == 248 and sids["BIR74"].max() == 21588


def test_load_returns_a_fresh_copy():
    d = bt.datasets.load("dyestuff")
    d.loc[0, "Yield"] = -1.0
    d["extra"] = 1
    again = bt.datasets.load("dyestuff")
    assert again.loc[0, "Yield"] == 1545 and "extra" not in again


def test_counties_match_sids_rows():
    counties = bt.datasets.load_counties()
    sids = bt.datasets.load("nc_sids")
    assert [c["county"] for c in counties] == sids["county"].tolist()
    ring = np.asarray(counties[0]["rings"][0])
    assert ring.ndim == 2 and ring.shape[1] == 2
    lon, lat = ring[:, 0], ring[:, 1]
    assert (-85 < lon).all() and (lon < -75).all() and (33 < lat).all() and (lat < 37).all()


def test_provenance_covers_every_file():
    text = bt.datasets.provenance()
    for name in EXPECTED:
        assert f"`{name}.csv`" in text, f"DATA.md does not describe {name}.csv"
    assert "`nc_counties.json`" in text


@pytest.mark.parametrize("bad", ["Dyestuff", "dyestuff.csv", "", None, 3])
def test_unknown_name(bad):
    with pytest.raises(ValueError, match=r"^name must be one of \['chickweight', 'dyestuff', "):
        bt.datasets.load(bad)
