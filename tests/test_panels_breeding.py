"""The lesson-09 panel (bt.panels.breeding_values), headless on Agg.

A move shows what bt.simulate_herd_records and bt.animal_model give at that heritability (solved
here again, apart from the panel's grid), in units of σ_a; the accuracy markers are each group's
mean accuracy; nothing is added or removed.  The generic checks (blit = full redraw, no full
redraw per move) run over every panel in tests/test_panels.py.
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.colors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import blupteach as bt  # noqa: E402
from blupteach.panels import breeding_figures as mod  # noqa: E402
from blupteach.plots import COLORS  # noqa: E402

# a small herd of its own (fast), built like the lesson's: cows recorded, bulls and calves not
SIRE, DAM = bt.simulate_pedigree(3, 20, sires=2, seed=4)
RECORDED = mod.dairy_recorded(3, 20)


@pytest.fixture(scope="module")
def panel():
    p = bt.panels.breeding_values(SIRE, DAM, RECORDED, sigma_p2=10.0, seed=6)
    yield p
    plt.close(p.figure)


def artists(p):
    ax_s, ax_a = p.figure.axes[:2]
    moving = set(map(id, p.live.moving))
    dots = {}
    for g, (label, *_) in mod.GROUPS.items():
        found = [c for c in ax_s.collections if id(c) in moving and c.get_label() == label]
        assert len(found) == 1, f"one scatter for {g}"
        dots[g] = found[0]
    marks = [c for c in ax_a.collections if id(c) in moving]
    assert len(marks) == 1
    return dots, marks[0]


@pytest.mark.parametrize("h2", [0.05, 0.5, 0.95, 0.3])
def test_points_are_the_animal_model_at_that_heritability(panel, h2):
    n_artists = len(panel.figure.findobj())
    panel.update(h2=h2)
    sigma_a2, sigma_e2 = 10.0 * h2, 10.0 * (1 - h2)
    herd = bt.simulate_herd_records(SIRE, DAM, sigma_a2=sigma_a2, sigma_e2=sigma_e2, recorded=RECORDED, seed=6)
    am = bt.animal_model(herd.records, "y ~ 1", herd.pedigree[["animal", "sire", "dam"]],
                         sigma_a2=sigma_a2, sigma_e2=sigma_e2)
    bv = am.breeding_values
    groups = mod.herd_groups(SIRE, DAM, RECORDED)
    dots, marks = artists(panel)
    for g, m in groups.items():
        expected = np.column_stack([herd.pedigree["a"][m], bv["breeding_value"][m]]) / np.sqrt(sigma_a2)
        np.testing.assert_allclose(dots[g].get_offsets(), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(marks.get_offsets()[:, 1], [bv["accuracy"][m].mean() for m in groups.values()],
                               rtol=1e-9)
    np.testing.assert_allclose(marks.get_offsets()[:, 0], h2)
    assert len(panel.figure.findobj()) == n_artists


def test_groups_of_the_herd():
    g = mod.herd_groups(SIRE, DAM, RECORDED)
    ids = np.arange(1, SIRE.size + 1)
    assert g["cows"].sum() == 20 and (ids[g["cows"]] % 2 == 0).all()           # females of generations 0-1
    assert set(ids[g["bulls"]]) == set(SIRE[20:40]), "bulls: the sires of generation 1, whose daughters have records"
    assert (ids[g["young"]] > 20).all() and not (g["young"] & g["cows"]).any()
    assert g["young"][40:].all(), "every calf of the last generation is young"
    assert set(SIRE[40:]) <= set(ids[g["young"]]), "the youngest bulls' daughters are calves: they are young"


def test_off_grid_value_snaps_to_the_nearest_grid_point(panel):
    panel.update(h2=0.5)
    at_grid = [c.get_offsets().copy() for c in artists(panel)[0].values()]
    panel.update(h2=0.51)
    assert all(np.array_equal(a, c.get_offsets()) for a, c in zip(at_grid, artists(panel)[0].values()))
    panel.update(h2=0.55)
    assert not np.array_equal(at_grid[0], artists(panel)[0]["cows"].get_offsets())


def test_one_blup_colour_one_shape_per_group(panel):
    dots, _ = artists(panel)
    assert {matplotlib.colors.to_hex(d.get_facecolor()[0]) for d in dots.values()} == {COLORS["partial_pooling"].lower()}
    shapes = {g: d.get_paths()[0].vertices.round(6).tobytes() for g, d in dots.items()}
    assert len(set(shapes.values())) == 3, "all three groups are BLUPs: told apart by marker shape"


def test_delivered_is_each_animals_correlation_across_replicate_herds():
    (truth, bv, acc, delivered), groups = mod.breeding_grid(SIRE, DAM, RECORDED, sigma_p2=10.0, seed=6)
    k = int(np.argmin(np.abs(mod.H2_GRID - 0.5)))
    seeds = 6 + np.arange(mod.REPS)
    a = np.array([bt.simulate_herd_records(SIRE, DAM, sigma_a2=5.0, sigma_e2=5.0, recorded=RECORDED, seed=s)
                  .pedigree["a"] for s in seeds[:3]])
    a_all, Y = bt.simulate_herd_replicates(SIRE, DAM, sigma_a2=5.0, sigma_e2=5.0, recorded=RECORDED, seeds=seeds)
    np.testing.assert_allclose(a_all[:3], a, rtol=1e-12)
    i = int(np.flatnonzero(groups["cows"])[0])
    herds = []
    for s in seeds:                                             # the slow way: one animal_model per herd
        h = bt.simulate_herd_records(SIRE, DAM, sigma_a2=5.0, sigma_e2=5.0, recorded=RECORDED, seed=s)
        am = bt.animal_model(h.records, "y ~ 1", h.pedigree[["animal", "sire", "dam"]], sigma_a2=5.0, sigma_e2=5.0)
        herds.append((am.breeding_values["breeding_value"].iat[i], h.pedigree["a"].iat[i]))
    assert delivered[k, i] == pytest.approx(np.corrcoef(np.array(herds).T)[0, 1], rel=1e-9)
    # the promise is kept: across herds, each group's mean correlation is near its mean accuracy
    for g, m in groups.items():
        assert abs(delivered[k, m].mean() - acc[k, m].mean()) < 0.08, g


def test_default_panel_is_the_lessons_herd():
    (truth, bv, acc, _), groups = mod.breeding_grid()
    s, d = bt.simulate_pedigree(4, 60, sires=3, seed=mod.SEED)
    (truth2, _, _, _), _ = mod.breeding_grid(s, d, mod.dairy_recorded(4, 60), seed=mod.SEED)
    assert truth is truth2 and truth.shape == (mod.H2_GRID.size, 240)       # cached: built once
    assert groups["cows"].sum() == 90 and groups["bulls"].sum() == 6
    young = acc[:, groups["young"]].mean(axis=1)
    assert (young < np.sqrt(0.5)).all(), "no record, no offspring: accuracy stays below sqrt(1/2)"
    assert np.all(np.diff(acc[:, groups["cows"]].mean(axis=1)) > 0), "cows' accuracy rises with h2"
