"""simulate_herd_records (blupteach/simulate/herds.py): true breeding values down a pedigree and records.

Checked against the documented draws recomputed by hand from the same seed, against
Var(a) = σ_a² A over many seeds (A by the tabular method, Mrode 2014 Example 2.1, with
inbreeding), and for common random numbers (the same seed at another σ_a² rescales the herd).
"""
import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.simulate import HerdSample, simulate_herd_records

SIRE, DAM = [0, 0, 1, 1, 4, 5], [0, 0, 2, 0, 3, 2]        # Mrode (2014) Example 2.1; F5 = F6 = 1/8
REC = np.array([False, False, True, True, True, True])


def test_by_hand_from_the_documented_draws():
    herd = simulate_herd_records(SIRE, DAM, sigma_a2=4.0, sigma_e2=9.0, recorded=REC, seed=3, mu=10.0)
    rng = np.random.default_rng(3)
    z, e = rng.standard_normal(6), rng.standard_normal(6)
    D = [1, 1, 0.5, 0.75, 0.5, 0.5 - 0.125 / 4]              # animal 6: dam 2, sire 5 inbred (F = 1/8)
    a = np.zeros(7)
    for i, (s, d) in enumerate(zip(SIRE, DAM), 1):
        a[i] = 0.5 * (a[s] + a[d]) + 2.0 * np.sqrt(D[i - 1]) * z[i - 1]
    assert isinstance(herd, HerdSample)
    np.testing.assert_allclose(herd.pedigree["a"], a[1:], rtol=1e-12)
    assert herd.pedigree[["animal", "sire", "dam"]].values.tolist() == [[k, s, d] for k, s, d in zip(range(1, 7), SIRE, DAM)]
    assert herd.records["animal"].tolist() == [3, 4, 5, 6]
    np.testing.assert_allclose(herd.records["y"], 10.0 + a[3:] + 3.0 * e[2:], rtol=1e-12)
    assert (herd.mu, herd.sigma_a2, herd.sigma_e2) == (10.0, 4.0, 9.0)


def test_no_genetic_variance_means_no_breeding_values():
    herd = simulate_herd_records(SIRE, DAM, sigma_a2=0.0, sigma_e2=1.0, recorded=REC, seed=1)
    assert (herd.pedigree["a"] == 0).all()


def test_common_random_numbers_rescale_the_same_herd():
    one = simulate_herd_records(SIRE, DAM, sigma_a2=1.0, sigma_e2=1.0, recorded=REC, seed=8)
    four = simulate_herd_records(SIRE, DAM, sigma_a2=4.0, sigma_e2=0.25, recorded=REC, seed=8)
    np.testing.assert_allclose(four.pedigree["a"], 2 * one.pedigree["a"], rtol=1e-12)
    np.testing.assert_allclose(four.records["y"] - four.pedigree["a"][2:].to_numpy(),
                               0.5 * (one.records["y"] - one.pedigree["a"][2:].to_numpy()), rtol=1e-12)


def test_covariance_of_breeding_values_is_sigma_a2_times_A():
    """5000 unrelated copies of the family in one herd: their breeding values, family by family."""
    copies = 5000
    offset = np.repeat(6 * np.arange(copies), 6)
    s, d = np.tile(SIRE, copies), np.tile(DAM, copies)
    s, d = np.where(s > 0, s + offset, 0), np.where(d > 0, d + offset, 0)
    herd = simulate_herd_records(s, d, sigma_a2=2.0, sigma_e2=1.0, recorded=np.tile(REC, copies), seed=11)
    draws = herd.pedigree["a"].to_numpy().reshape(copies, 6)
    A = bt.relationship_matrix(SIRE, DAM)                  # tabular method; Mrode's printed A (tests/test_pedigree.py)
    cov = np.cov(draws, rowvar=False)
    se = 2.0 * np.sqrt((A ** 2 + np.outer(np.diag(A), np.diag(A))) / copies)   # SE of a sample covariance
    assert np.all(np.abs(cov - 2.0 * A) < 4 * se), np.round(cov / 2.0 - A, 3)


@pytest.mark.parametrize("kwargs, match", [
    ({"sigma_a2": -1.0}, "sigma_a2 must be >= 0"),
    ({"sigma_e2": 0.0}, "sigma_e2 must be > 0"),
    ({"sigma_a2": np.nan}, "sigma_a2 must be a finite number"),
    ({"recorded": REC[:5]}, "recorded must be 6 booleans"),
    ({"recorded": REC.astype(int)}, "recorded must be 6 booleans"),
    ({"recorded": np.zeros(6, dtype=bool)}, "recorded marks no animal"),
    ({"seed": None}, "seed must be a whole number"),
    ({"mu": "30"}, "mu must be a single finite number"),
    ({"sire": [0, 0, 1, 1, 4, 7]}, "animal 6 has sire 7, an unknown id"),
])
def test_bad_input(kwargs, match):
    args = dict(sire=SIRE, dam=DAM, sigma_a2=1.0, sigma_e2=1.0, recorded=REC, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        simulate_herd_records(args.pop("sire"), args.pop("dam"), **args)


def test_inputs_unchanged_and_public():
    sire, dam, rec = np.array(SIRE), pd.Series(DAM), REC.copy()
    simulate_herd_records(sire, dam, sigma_a2=1.0, sigma_e2=1.0, recorded=rec, seed=0)
    assert sire.tolist() == SIRE and dam.tolist() == DAM and (rec == REC).all()
    assert bt.simulate_herd_records is simulate_herd_records and "simulate_herd_records" in bt.__all__


def test_replicates_are_herds_of_their_own_seeds():
    a, y = bt.simulate_herd_replicates(SIRE, DAM, sigma_a2=4.0, sigma_e2=9.0, recorded=REC, seeds=[3, 5, 8], mu=10.0)
    assert a.shape == (3, 6) and y.shape == (3, 4)
    for k, seed in enumerate([3, 5, 8]):
        herd = simulate_herd_records(SIRE, DAM, sigma_a2=4.0, sigma_e2=9.0, recorded=REC, seed=seed, mu=10.0)
        np.testing.assert_allclose(a[k], herd.pedigree["a"], rtol=1e-12)
        np.testing.assert_allclose(y[k], herd.records["y"], rtol=1e-12)
    with pytest.raises(ValueError, match="at least 2 seeds"):
        bt.simulate_herd_replicates(SIRE, DAM, sigma_a2=4.0, sigma_e2=9.0, recorded=REC, seeds=[3])
    with pytest.raises(ValueError, match="recorded must be"):
        bt.simulate_herd_replicates(SIRE, DAM, sigma_a2=4.0, sigma_e2=9.0, recorded=REC[:3], seeds=[3, 4])
