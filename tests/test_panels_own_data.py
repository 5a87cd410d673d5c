"""Lesson 11's panel (``bt.panels.own_data``) and ``bt.panels.report_figure``, headless (Agg).

A dropdown change refits: the artists must then hold the *new* report's numbers (mapped onto
the 0–1 axes), the figure and its artists stay the same objects, and a choice the data cannot
support shows its reason instead of raising.
"""
from __future__ import annotations

import datetime

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import blupteach as bt  # noqa: E402
from blupteach.panels.group_report import PAD  # noqa: E402


@pytest.fixture(scope="module")
def panel():
    p = bt.panels.own_data()
    yield p
    plt.close(p.figure)


def col(panel, name):
    return list(panel.data.columns).index(name)


def back_to_data(panel, x):
    """Undo the panel's mapping of the value axis (its tick labels give the scale)."""
    ticks = [(float(t.get_text()), t.get_position()[0]) for t in panel.artists["xticks"] if t.get_text()]
    (v0, u0), (v1, u1) = ticks[0], ticks[-1]
    return v0 + (np.asarray(x) - u0) * (v1 - v0) / (u1 - u0)


def shown(panel, rep):
    """The report's table in the panel's order (by n, ties by prediction)."""
    t = rep.table
    return t.iloc[np.lexsort((t["prediction"].to_numpy(), t["n"].to_numpy()))]


def test_default_is_radon_by_county_one_way(panel):
    rep = bt.report(bt.datasets.load("radon_mn"), y="log_radon", group="county")
    assert panel.report is not None and panel.message == ""
    assert np.isclose(panel.report.sigma_b2, rep.sigma_b2) and len(panel.report.table) == 85
    t = shown(panel, rep)
    w = panel.artists["w"].get_offsets()
    assert np.allclose(w[:, 0], t["w"]), "the w dots are the report's weights, ordered by n"
    raw = back_to_data(panel, panel.artists["raw"].get_offsets()[:, 0])
    assert np.allclose(raw, t["raw_mean"], rtol=1e-9)
    segs = np.asarray(panel.artists["segs"].get_segments())
    assert np.allclose(back_to_data(panel, segs[:, 0, 0]), t["lower"]) and np.allclose(back_to_data(panel, segs[:, 1, 0]), t["upper"])


def test_dropdown_change_refits_in_place(panel):
    fig, artists = panel.figure, dict(panel.artists)
    n_objects = len(fig.findobj())
    panel.update(covariate=col(panel, "log_uranium") + 1)
    rep = bt.report(panel.data, y="log_radon", group="county", covariates=["log_uranium"])
    assert panel.figure is fig and all(panel.artists[k] is artists[k] for k in artists)
    assert len(fig.findobj()) == n_objects
    assert np.isclose(panel.report.sigma_b2, rep.sigma_b2) and panel.report.sigma_b2 < 0.5 * 0.0886
    t = shown(panel, rep)
    assert np.allclose(panel.artists["w"].get_offsets()[:, 0], t["w"])
    assert np.allclose(back_to_data(panel, panel.artists["blup"].get_offsets()[:, 0]), t["prediction"])
    assert np.allclose(back_to_data(panel, panel.artists["population"].get_offsets()[:, 0]), t["population"])
    assert "log_uranium" not in panel.info.value or "sigma_b2" in panel.info.value
    panel.update(covariate2=col(panel, "floor") + 1)               # the classic radon model: uranium + floor
    both = bt.report(panel.data, y="log_radon", group="county", covariates=["log_uranium", "floor"])
    assert panel.report.columns["covariates"] == ("log_uranium", "floor")
    assert np.allclose(panel.artists["w"].get_offsets()[:, 0], shown(panel, both)["w"])
    panel.update(covariate2=col(panel, "log_uranium") + 1)         # the same covariate twice counts once
    assert panel.report.columns["covariates"] == ("log_uranium",)
    panel.reset()


def test_a_new_number_of_groups_fits_the_axes(panel):
    panel.update(group=col(panel, "floor"))                       # 2 groups: basement or not
    off = panel.artists["w"].get_offsets()
    assert off.shape == (2, 2) and len(panel.artists["segs"].get_segments()) == 2
    assert np.all((off[:, 1] > 0) & (off[:, 1] < 1))
    x = panel.artists["raw"].get_offsets()[:, 0]
    assert np.all((x >= PAD - 1e-12) & (x <= 1 - PAD + 1e-12)), "every point inside the fixed 0-1 axes"
    labels = [t.get_text() for t in panel.artists["yticks"] if t.get_text()]
    assert sorted(int(v) for v in labels) == sorted(panel.report.table["n"].tolist())
    panel.reset()


@pytest.mark.parametrize("choice, words", [
    ({"y": "county", "group": "floor"}, "must be numeric"),      # a text column as the response
    ({"group": "log_radon"}, "both 'log_radon'"),                # response = group
    ({"covariate": "county"}, "grouping column"),                # the group as a covariate
])
def test_a_bad_choice_is_explained_not_raised(panel, choice, words):
    params = {k: col(panel, v) + (k in ("covariate", "covariate2", "slope")) for k, v in choice.items()}
    panel.update(**params)
    assert panel.report is None and words in panel.message
    assert panel.artists["message"].get_visible() and panel.artists["message"].get_text()
    assert len(panel.artists["w"].get_offsets()) == 0
    assert "Not fitted" in panel.info.value
    panel.reset()
    assert panel.report is not None and not panel.artists["message"].get_visible()


def test_load_new_data_and_refuse_a_bad_file(panel, tmp_path):
    d = pd.DataFrame({"school": list("aabbbccd"), "score": [1.0, 2, 3, 4, 5, 2, 1, 6], "age": [9, 9, 10, 11, 9, 10, 10, 11]})
    assert panel.load(d.to_csv(index=False).encode(), name="mine.csv")
    assert panel.values == {"y": 1, "group": 0, "covariate": 0, "covariate2": 0, "slope": 0}
    assert panel.controls["y"].options[1] == ("score", 1)
    assert panel.report is not None and list(panel.report.table.index) == list("abcd")
    assert not panel.load(b"", name="empty.csv") and "empty" in panel.info.value
    assert panel.report is not None and list(panel.data.columns) == ["school", "score", "age"], "earlier data stay"
    path = tmp_path / "groups.csv"
    assert panel.save(path) == path and pd.read_csv(path).shape[0] == 4
    panel.load(bt.datasets.load("radon_mn"), name="radon")


def test_report_figure_matches_the_report():
    rep = bt.report(bt.datasets.load("exam_schools"), y="normexam", group="school")
    fig, ax = bt.panels.report_figure(rep)
    try:
        assert fig.get_figwidth() <= 8.5 and ax is fig.axes[0]
        assert len(fig.axes[1].collections[0].get_offsets()) == len(rep.table) == 65
        with pytest.raises(ValueError, match="rep must be a blupteach Report"):
            bt.panels.report_figure(rep.table)
    finally:
        plt.close(fig)


STAMP = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def test_an_upload_is_read_and_a_too_large_one_refused(panel, monkeypatch):
    """What ipywidgets 8 puts in FileUpload.value; the size bound (made tiny here) applies to uploads."""
    content = b"batch,yield\na,1\na,2\nb,4\nb,6\nc,3\nc,2\n"
    panel.upload.value = ({"name": "mine.csv", "type": "text/csv", "size": len(content),
                           "content": memoryview(content), "last_modified": STAMP},)
    assert panel.source == "mine.csv" and panel.report is not None and len(panel.report.table) == 3
    monkeypatch.setattr(bt.read_table, "__kwdefaults__", {"max_bytes": 10, "name": None})
    panel.upload.value = ({"name": "big.csv", "type": "text/csv", "size": len(content),
                           "content": memoryview(content), "last_modified": STAMP},)
    assert "more than the 10 bytes" in panel.info.value and panel.source == "mine.csv", "refused; earlier data stay"
    panel.load(bt.datasets.load("radon_mn"), name="radon")


def test_row_labels_name_each_n_once_and_w_title_follows_the_slope(panel):
    labels = [t.get_text() for t in panel.artists["yticks"] if t.get_text()]
    assert len(labels) == len(set(labels)) >= 5 and labels[0] == "1" and labels[-1] == "116"
    assert panel.artists["w_title"].get_text() == "own data's share"
    panel.update(covariate=col(panel, "floor") + 1, slope=col(panel, "floor") + 1)
    assert panel.artists["w_title"].get_text() == "w at floor = 0"
    panel.reset()
