"""Lesson 08's figures headless (Agg): the maps show the package's numbers (C23).

The generic checks (built once, blit equals a full redraw, no full redraw per move) run on
``risk_map`` in ``tests/test_panels.py``; here the colours and points are checked against
``bt.eb_rates``, ``bt.shrinkage_weight`` and ``funnel_limits`` computed apart.
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection

import blupteach as bt
from blupteach.funnel import funnel_limits
from blupteach.panels import rate_maps


@pytest.fixture(scope="module")
def sids():
    data = bt.datasets.load("nc_sids")
    return data, bt.eb_rates(data["SID74"], data["BIR74"], names=data["county"])


@pytest.fixture(scope="module")
def panel():
    p = bt.panels.risk_map()
    p.figure.canvas.draw()
    yield p
    plt.close(p.figure)


def maps(p):
    colls = [c for ax in p.figure.axes for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(colls) == 2, "two maps, one PolyCollection each"
    return colls


def face_rgba(coll):
    coll.update_scalarmappable()          # what the next draw paints
    return np.asarray(coll.get_facecolor())


def test_panel_opens_at_marshalls_estimate(panel, sids):
    _, r = sids
    s = panel.spec["sigma_b2"]
    assert s.default == pytest.approx(7.692931e-07 * 1e6, rel=1e-6), "spdep's a, in (per 1,000 births)^2"
    assert s.scale == "log" and s.min < s.default / 100 and s.max > s.default * 100, "from near-raw to near-flat"
    assert s.default == pytest.approx(r.a * 1e6, rel=1e-12)


def test_raw_map_colours_are_the_raw_rates(panel, sids):
    data, _ = sids
    rings, owner, _ = rate_maps.county_rings(bt.datasets.load_counties())
    raw_map = maps(panel)[0]
    rate = 1000 * data["SID74"].to_numpy() / data["BIR74"].to_numpy()
    expected = rate_maps.CMAP(rate_maps.NORM(rate[owner]))
    np.testing.assert_allclose(face_rgba(raw_map), expected, atol=1e-12)
    assert len(raw_map.get_paths()) == len(rings) and owner.max() == 99


@pytest.mark.parametrize("sigma_b2", [7.692931e-07 * 1e6, 0.01, 50.0, 700.0])
def test_smoothed_map_colours_follow_the_weight(panel, sids, sigma_b2):
    data, r = sids
    n_artists = len(panel.figure.findobj())
    panel.update(sigma_b2=sigma_b2)
    assert len(panel.figure.findobj()) == n_artists, "a move adds or removes no artist"
    _, owner, _ = rate_maps.county_rings(bt.datasets.load_counties())
    n = data["BIR74"].to_numpy()
    rate = data["SID74"].to_numpy() / n
    w = bt.shrinkage_weight(n, sigma_b2 / 1e6, r.m)                  # lesson 02's w, sigma_e2 = m
    eb = 1000 * (r.m + w * (rate - r.m))
    np.testing.assert_allclose(face_rgba(maps(panel)[1]), rate_maps.CMAP(rate_maps.NORM(eb[owner])), atol=1e-12)
    (ax_w,) = [ax for ax in panel.figure.axes if ax.get_ylabel() == "weight $w_i$"]
    dots = [ln for ln in ax_w.get_lines() if len(ln.get_xdata()) == 100]
    assert len(dots) == 1
    np.testing.assert_allclose(dots[0].get_ydata(), w, rtol=1e-12)
    assert any(t.get_text() == f"{eb.std():.2f}" for t in ax_w.texts), "the readout shows the smoothed map's SD"


def test_at_marshalls_estimate_the_map_is_eb_rates(panel, sids):
    """The slider's default reproduces bt.eb_rates' smoothed rates (spdep's EBest)."""
    _, r = sids
    _, owner, _ = rate_maps.county_rings(bt.datasets.load_counties())
    panel.update(sigma_b2=r.a * 1e6)
    eb = 1000 * r.table["eb_rate"].to_numpy()
    np.testing.assert_allclose(maps(panel)[1].get_array(), eb[owner], rtol=1e-10)


def test_slider_ends_are_no_and_full_smoothing(panel, sids):
    _, r = sids
    raw = 1000 * r.table["rate"].to_numpy()
    _, owner, _ = rate_maps.county_rings(bt.datasets.load_counties())
    panel.update(sigma_b2=panel.spec["sigma_b2"].max)
    assert np.max(np.abs(maps(panel)[1].get_array() - raw[owner])) < 0.1, "top of the slider: the raw map"
    panel.update(sigma_b2=panel.spec["sigma_b2"].min)
    assert np.max(np.abs(maps(panel)[1].get_array() - 1000 * r.m)) < 0.1, "bottom: every county at m"
    panel.reset()


def test_aspect_scales_longitude_by_cos_latitude():
    rings, _, lat0 = rate_maps.county_rings(bt.datasets.load_counties())
    first = np.asarray(bt.datasets.load_counties()[0]["rings"][0])
    np.testing.assert_allclose(rings[0][:, 0], first[:, 0] * np.cos(np.deg2rad(lat0)))
    assert 35 < lat0 < 36


def test_rate_births_figure_arrows_run_raw_to_eb(sids):
    _, r = sids
    fig, ax = bt.panels.rate_births_figure(r)
    segs = [c for c in ax.collections if isinstance(c, LineCollection)][0].get_segments()
    t = r.table
    np.testing.assert_allclose([s[0] for s in segs], np.c_[t["population"], 1000 * t["rate"]])
    np.testing.assert_allclose([s[1] for s in segs], np.c_[t["population"], 1000 * t["eb_rate"]])
    assert {tx.get_text() for tx in ax.texts} == {"Anson", "Northampton", "Washington"}
    plt.close(fig)


def test_rate_funnel_figure_limits(sids):
    _, r = sids
    fig, ax = bt.panels.rate_funnel_figure(r)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    n = lines[0].get_xdata()
    z = 1.959963984540054
    common = 1000 * (r.m + z * np.sqrt(r.m / n))                            # closed form, not funnel_limits
    over = 1000 * (r.m + z * np.sqrt(r.a + r.m / n))
    uppers = [ln.get_ydata() for ln in lines]
    assert any(np.allclose(u, common, rtol=1e-9) for u in uppers) and any(np.allclose(u, over, rtol=1e-9) for u in uppers)
    lim = funnel_limits(r.table["population"], r.m, r.m, sigma_b2=r.a)
    outside = r.table.index[(r.table["rate"] > lim["upper"].to_numpy()) | (r.table["rate"] < lim["lower"].to_numpy())]
    assert {tx.get_text() for tx in ax.texts} == set(outside) == {"Anson", "Northampton", "Halifax", "Columbus"}
    plt.close(fig)


def test_figures_fit_the_course_width(panel, sids):
    _, r = sids
    for fig in (panel.figure, bt.panels.rate_births_figure(r)[0], bt.panels.rate_funnel_figure(r)[0]):
        assert fig.get_figwidth() <= 8.5
    assert matplotlib.get_backend().lower() == "agg"


def test_colour_scale_is_centred_on_the_state_rate(panel, sids):
    """Diverging scale: the state's rate m gets the middle colour, rates above TOP the over colour."""
    _, r = sids
    assert rate_maps.CENTRE == pytest.approx(1000 * r.m, rel=1e-7), "the neutral colour sits at spdep's m"
    assert rate_maps.NORM(1000 * r.m) == pytest.approx(0.5, abs=1e-6)
    raw = 1000 * r.table["rate"]
    over = rate_maps.CMAP(rate_maps.NORM(raw.to_numpy()))
    dark = np.asarray(rate_maps.CMAP.get_over())
    assert set(raw.index[np.all(np.isclose(over, dark), axis=1)]) == {"Anson", "Northampton"}, "only the two raw rates above 6"
    assert not np.allclose(dark, rate_maps.CMAP(1.0)) and not np.allclose(dark, rate_maps.CMAP(0.0))


def test_rate_funnel_figure_outer_limit_is_998(sids):
    _, r = sids
    fig, ax = bt.panels.rate_funnel_figure(r)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    n = lines[0].get_xdata()
    z = 3.090232306167813                                                   # normal quantile at 0.999
    outer = 1000 * (r.m + z * np.sqrt(r.a + r.m / n))
    assert any(np.allclose(ln.get_ydata(), outer, rtol=1e-9) for ln in lines), "the 99.8% overdispersed limit"
    lim = funnel_limits(r.table["population"], r.m, r.m, sigma_b2=r.a, level=0.998)
    out = r.table.index[(r.table["rate"] > lim["upper"].to_numpy()) | (r.table["rate"] < lim["lower"].to_numpy())]
    assert list(out) == ["Anson"]
    plt.close(fig)
