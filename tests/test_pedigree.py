"""Pedigrees (blupteach.pedigree): A by the tabular method, F, D and A⁻¹ by Henderson's rules.

References: Mrode, *Linear Models for the Prediction of Animal Breeding Values* (3rd ed.,
2014), Example 2.1 — animals 1–6, sire/dam of 3: 1/2, of 4: 1/unknown, of 5: 4/3, of 6: 5/2;
its A is printed there to three decimals (typed in below) and F5 = F6 = 0.125.  A⁻¹ is
checked against a dense inverse of the tabular A on random pedigrees with inbreeding, an
independent route (Henderson's rules never invert anything).
"""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blupteach.pedigree import (check_pedigree, inbreeding, inverse_relationship, mendelian_variance,
                                relationship_matrix)
from blupteach.simulate import simulate_pedigree

MRODE_SIRE = [0, 0, 1, 1, 4, 5]
MRODE_DAM = [0, 0, 2, 0, 3, 2]
MRODE_A = np.array([          # Mrode (2014), Example 2.1, to 3 decimals
    [1.000, 0.000, 0.500, 0.500, 0.500, 0.250],
    [0.000, 1.000, 0.500, 0.000, 0.250, 0.625],
    [0.500, 0.500, 1.000, 0.250, 0.625, 0.563],
    [0.500, 0.000, 0.250, 1.000, 0.625, 0.313],
    [0.500, 0.250, 0.625, 0.625, 1.125, 0.688],
    [0.250, 0.625, 0.563, 0.313, 0.688, 1.125],
])


def test_mrode_example_2_1():
    A = relationship_matrix(MRODE_SIRE, MRODE_DAM)
    assert np.abs(A - MRODE_A).max() <= 0.0005 + 1e-12      # printed to 3 decimals
    assert inbreeding(MRODE_SIRE, MRODE_DAM) == pytest.approx([0, 0, 0, 0, 0.125, 0.125])
    # D: founders 1, one parent known 3/4, both known (non-inbred parents) 1/2, animal 6: 1/2 - F5/4
    assert mendelian_variance(MRODE_SIRE, MRODE_DAM) == pytest.approx([1, 1, 0.5, 0.75, 0.5, 0.46875])


def test_inverse_by_henderson_is_the_inverse_of_A_mrode():
    A_inv = inverse_relationship(MRODE_SIRE, MRODE_DAM)
    A = relationship_matrix(MRODE_SIRE, MRODE_DAM)
    assert A_inv.format == "csr"
    assert A_inv.toarray() == pytest.approx(np.linalg.inv(A), abs=1e-12)


def test_hand_cases():
    # full sibs 3, 4 of founders 1, 2; 5 = 3 x 4: F5 = A34/2 = 1/4
    s, d = [0, 0, 1, 1, 3], [0, 0, 2, 2, 4]
    assert inbreeding(s, d)[-1] == pytest.approx(0.25)
    # selfing (plants): 2 = 1 x 1: F2 = A11/2 = 1/2
    assert inbreeding([0, 1], [0, 1]) == pytest.approx([0, 0.5])
    # a half-sib mating: 3, 4 by sire 1 (dams unknown), 5 = 3 x 4: F5 = A34/2 = 1/8
    assert inbreeding([0, 1, 1, 2], [0, 0, 0, 3])[-1] == pytest.approx(0.125)


pedigrees = st.integers(2, 30).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, n), min_size=n, max_size=n),
    st.lists(st.integers(0, n), min_size=n, max_size=n)))


@settings(max_examples=60, deadline=None)
@given(pedigrees)
def test_random_pedigrees(ped):
    """Any ordered pedigree (parent ids drawn below each animal, so inbreeding is common)."""
    raw_s, raw_d = ped
    s = [v % k if k > 1 else 0 for k, v in enumerate(raw_s, 1)]      # parent id < own id
    d = [v % k if k > 1 else 0 for k, v in enumerate(raw_d, 1)]
    A = relationship_matrix(s, d)
    assert np.allclose(A, A.T) and (np.linalg.eigvalsh(A) > 0).all()
    assert inbreeding(s, d) == pytest.approx(np.diag(A) - 1, abs=1e-12)
    assert inverse_relationship(s, d).toarray() == pytest.approx(np.linalg.inv(A), abs=1e-8)


def test_simulated_herd_is_inbred_and_exact():
    s, d = simulate_pedigree(6, 60, sires=3, seed=7, unknown=0.05)
    A = relationship_matrix(s, d)
    F = inbreeding(s, d)
    assert F.max() > 0.1, "few sires over six generations should give inbred animals"
    assert F == pytest.approx(np.diag(A) - 1, abs=1e-12)
    assert inverse_relationship(s, d).toarray() == pytest.approx(np.linalg.inv(A), abs=1e-8)


def test_unknown_parent_spellings_and_inputs_unchanged():
    ref = inbreeding(MRODE_SIRE, MRODE_DAM)
    dam_nan = [np.nan, np.nan, 2, np.nan, 3, 2]
    dam_none = [None, None, 2, None, 3, 2]
    dam_na = pd.array([pd.NA, pd.NA, 2, pd.NA, 3, 2], dtype="Int64")
    for dam in (dam_nan, dam_none, dam_na, pd.Series(MRODE_DAM)):
        assert inbreeding(MRODE_SIRE, dam) == pytest.approx(ref)
    s = np.array(MRODE_SIRE)
    inverse_relationship(s, np.array(MRODE_DAM))
    assert s.tolist() == MRODE_SIRE


@pytest.mark.parametrize("sire, dam, match", [
    ([0, 0, 9], [0, 0, 1], r"animal 3 has sire 9, an unknown id \(the pedigree has animals 1..3\)"),
    ([0, 3, 2], [0, 0, 0], "animal 2 is its own ancestor|animal 3 is its own ancestor"),
    ([0, 2], [0, 0], "animal 2 is its own ancestor"),
    ([0, 3, 0], [0, 0, 0], r"animal 2 has parent 3 listed after it \(a parent born after its offspring\)"),
    ([0, 1.5], [0, 0], "sire of animal 2 must be a whole-number id"),
    ([0, -1], [0, 0], "sire of animal 2 must be a whole-number id"),
    ([0, "a"], [0, 0], "sire of animal 2 must be a whole-number id"),
    ([0, 0], [0], "dam must have 2 entries to match sire"),
    ([], [], "at least one animal"),
])
def test_pedigree_faults(sire, dam, match):
    with pytest.raises(ValueError, match=match):
        check_pedigree(sire, dam)
    with pytest.raises(ValueError, match=match):
        inverse_relationship(sire, dam)


def test_dense_A_refuses_a_large_pedigree():
    n = 20_001
    with pytest.raises(ValueError, match="a dense A is limited to 20000.*inverse_relationship"):
        relationship_matrix(np.zeros(n, int), np.zeros(n, int))


def test_simulate_pedigree_rules():
    s, d = simulate_pedigree(3, 10, sires=2, seed=1)
    assert s.shape == d.shape == (30,)
    assert (s[:10] == 0).all() and (d[:10] == 0).all()
    assert set(s[10:20]) <= {1, 3} and set(s[20:]) <= {11, 13}       # the first 2 males of the generation before
    assert set(d[10:20]) <= {2, 4, 6, 8, 10}
    again = simulate_pedigree(3, 10, sires=2, seed=1)
    assert (again[0] == s).all() and (again[1] == d).all()
    with pytest.raises(ValueError, match="seed must be"):
        simulate_pedigree(3, 10, sires=2, seed=None)
    with pytest.raises(ValueError, match="sires must be at most 5"):
        simulate_pedigree(3, 10, sires=6, seed=1)
    with pytest.raises(ValueError, match=r"unknown must be in \[0, 1\)"):
        simulate_pedigree(3, 10, sires=2, seed=1, unknown=1.0)
