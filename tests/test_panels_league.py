"""Lesson 10's figures, headless on Agg: the artists show what blupteach.league_table, flag_unusual,
funnel_limits and rank_intervals return (the generic build-once checks are in tests/test_panels.py)."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import special

import blupteach as bt
from blupteach.panels.league_figures import FLAG, exam_fits
from blupteach.plots import COLORS


@pytest.fixture(scope="module")
def fits():
    return exam_fits()


@pytest.fixture(scope="module")
def panel(fits):
    p = bt.panels.league_table(fits)
    yield p
    plt.close(p.figure)


def side_artists(p, k):
    """(segments, dots, count text) of the left (k = 0, raw) or right (k = 1, BLUP) table."""
    ax = p.figure.axes[k]
    moving = set(map(id, p.live.moving))
    segs = [c for c in ax.collections if id(c) in moving and hasattr(c, "get_segments")]
    dots = [c for c in ax.collections if id(c) in moving and not hasattr(c, "get_segments")]
    texts = [t for t in ax.texts if id(t) in moving and t.get_gid() != "school label"]
    assert len(segs) == len(dots) == len(texts) == 1, "the league-table panel changed shape"
    return segs[0], dots[0], texts[0]


@pytest.mark.parametrize("level, intake", [(0.95, 0), (0.95, 1), (0.5, 0), (0.998, 1), (0.8, 0)])
def test_league_panel_shows_the_tables_and_flags(panel, fits, level, intake):
    n_artists = len(panel.figure.findobj())
    panel.update(level=level, intake=intake)
    table = bt.league_table(list(fits.values())[intake])
    z = special.ndtri(0.5 + level / 2)
    for k, (est, se) in enumerate([("raw", "raw_se"), ("blup", "se")]):
        segs, dots, text = side_artists(panel, k)
        order = np.argsort(-table[est].to_numpy(), kind="stable")
        e, s = table[est].to_numpy()[order], table[se].to_numpy()[order]
        np.testing.assert_allclose(dots.get_offsets()[:, 0], e, rtol=1e-12)
        np.testing.assert_allclose(dots.get_offsets()[:, 1], np.arange(1, len(e) + 1))
        np.testing.assert_allclose([g[0, 0] for g in segs.get_segments()], e - z * s, rtol=1e-10)
        np.testing.assert_allclose([g[1, 0] for g in segs.get_segments()], e + z * s, rtol=1e-10)
        flagged = bt.flag_unusual(table[est], table[se], level=level)
        red = np.all(np.isclose(dots.get_facecolor(), FLAG), axis=1)
        assert np.array_equal(red, flagged[order])
        assert np.array_equal(np.all(np.isclose(segs.get_colors(), FLAG), axis=1), red)
        assert text.get_text() == f"{int(flagged.sum())} of {len(e)}"
    assert len(panel.figure.findobj()) == n_artists


@pytest.mark.parametrize("level, intake", [(0.95, 0), (0.95, 1), (0.998, 0), (0.5, 1)])
def test_league_panel_labels_follow_their_schools(panel, fits, level, intake):
    panel.update(level=level, intake=intake)
    table = bt.league_table(list(fits.values())[intake])
    for k, (est, se) in enumerate([("raw", "raw_se"), ("blup", "se")]):
        ax = panel.figure.axes[k]
        labels = [t for t in ax.texts if t.get_gid() == "school label"]
        assert sorted(t.get_text() for t in labels) == ["school 48", "school 54"]
        order = [str(i) for i in table.index[np.argsort(-table[est].to_numpy(), kind="stable")]]
        z = special.ndtri(0.5 + level / 2)
        for t in labels:
            school = t.get_text().split()[1]
            x, y = t.get_position()
            assert y == order.index(school) + 1                          # on the school's row
            row = table.iloc[[str(i) for i in table.index].index(school)]
            e, s = row[est], row[se]
            assert min(abs(x - (e + z * s)), abs(x - (e - z * s)), abs(x - e)) < 0.1 * np.ptp(ax.get_xlim())
            assert ax.get_xlim()[0] <= x <= ax.get_xlim()[1]
        flagged = bt.flag_unusual(table[est], table[se], level=level)[np.argsort(-table[est].to_numpy(), kind="stable")]
        dots = side_artists(panel, k)[1]
        np.testing.assert_allclose(dots.get_linewidths(), np.where(flagged, 1.4, 0.3))  # flagged: a thick edge, not only a colour


def test_league_panel_flags_fewer_with_a_higher_level(panel):
    counts = []
    for level in (0.5, 0.9, 0.99, 0.998):
        panel.update(level=level, intake=0)
        counts.append(int(side_artists(panel, 1)[2].get_text().split()[0]))
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    panel.update(level=0.95, intake=0)
    assert side_artists(panel, 1)[2].get_text() == "31 of 65"          # the lesson's C22 count
    panel.update(intake=1)
    assert side_artists(panel, 1)[2].get_text() == "28 of 65"


def test_league_panel_colours_mean_what_they_say(panel):
    panel.update(level=0.95, intake=0)
    for k, key in enumerate(["no_pooling", "partial_pooling"]):
        _, dots, _ = side_artists(panel, k)
        faces = dots.get_facecolor()
        plain = ~np.all(np.isclose(faces, FLAG), axis=1)
        np.testing.assert_allclose(faces[plain, :3], np.tile(matplotlib.colors.to_rgb(COLORS[key]), (plain.sum(), 1)))


def test_league_panel_bad_input(fits):
    with pytest.raises(ValueError, match="fits must map 2 labels"):
        bt.panels.league_table({"one": next(iter(fits.values()))})


def test_funnel_figure_draws_the_package_limits(fits):
    fig, axes = bt.panels.funnel_figure(fits)
    try:
        assert len(axes) == 2
        for ax, fit in zip(axes, fits.values()):
            t = bt.league_table(fit)
            sigma_b2 = float(next(iter(fit.varcorr.values())).iloc[0, 0])
            lines = ax.get_lines()
            x = lines[0].get_xdata()
            common = bt.funnel_limits(x, 0.0, fit.sigma2, level=0.998)
            spread = bt.funnel_limits(x, 0.0, fit.sigma2, sigma_b2=sigma_b2, level=0.998)
            ys = [np.asarray(line.get_ydata(), float) for line in lines if len(line.get_xdata()) == len(x)]
            for want in (common["upper"], common["lower"], spread["upper"], spread["lower"]):
                assert any(np.allclose(y, want, rtol=1e-12) for y in ys)
            pts = ax.collections[0]
            np.testing.assert_allclose(pts.get_offsets(), np.column_stack([t["n"], t["raw"]]), rtol=1e-12)
        with pytest.raises(ValueError, match="levels must be two"):
            bt.panels.funnel_figure(fits, levels=(0.95,))
    finally:
        plt.close(fig)


def test_rank_interval_figure_draws_the_intervals():
    ri = bt.rank_intervals([[3.0, 1.0, 2.0], [2.0, 1.5, 2.5], [3.2, 0.1, 2.9]], index=["a", "b", "c"])
    fig, axes = bt.panels.rank_interval_figure({"toy": ri}, mark=["b"])
    try:
        segs = axes[0].collections[0].get_segments()
        by_median = ri.sort_values(["median", "lower"])
        np.testing.assert_allclose([s[:, 1] for s in segs], by_median[["lower", "upper"]].to_numpy())
        colours = axes[0].collections[0].get_colors()
        assert np.all(np.isclose(colours[list(by_median.index).index("b")], FLAG))
        with pytest.raises(ValueError, match="intervals must map 1 or 2"):
            bt.panels.rank_interval_figure({})
    finally:
        plt.close(fig)
