"""The animal model (blupteach.breeding) against Mrode's worked example and the engine.

Reference: Mrode, *Linear Models for the Prediction of Animal Breeding Values* (3rd ed., 2014),
Example 3.1: pre-weaning gain (kg) of animals 4–8, sex as the fixed effect, σ_a² = 20,
σ_e² = 40 (α = 2).  Published solutions (3 decimals): males 4.358, females 3.404; breeding
values of animals 1–8: 0.098, −0.019, −0.041, −0.009, −0.186, 0.177, −0.249, 0.183.
"""
import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.breeding import animal_model

PED = pd.DataFrame({"animal": range(1, 9), "sire": [0, 0, 0, 1, 3, 1, 4, 3], "dam": [0, 0, 0, 0, 2, 2, 5, 6]})
REC = pd.DataFrame({"animal": [4, 5, 6, 7, 8], "sex": ["male", "female", "female", "male", "male"],
                    "wwg": [4.5, 2.9, 3.9, 3.5, 5.0]})
MRODE_BV = [0.098, -0.019, -0.041, -0.009, -0.186, 0.177, -0.249, 0.183]


def test_mrode_example_3_1():
    am = animal_model(REC, "wwg ~ 0 + sex", PED, sigma_a2=20, sigma_e2=40)
    assert am.fixef["sexmale"] == pytest.approx(4.358, abs=1e-3)
    assert am.fixef["sexfemale"] == pytest.approx(3.404, abs=1e-3)
    assert am.breeding_values["breeding_value"].to_numpy() == pytest.approx(MRODE_BV, abs=6e-4)
    assert am.breeding_values["records"].tolist() == [0, 0, 0, 1, 1, 1, 1, 1]
    assert am.h2 == pytest.approx(1 / 3)
    bv = am.breeding_values
    assert ((bv["pev"] > 0) & (bv["pev"] < 20)).all() and ((bv["accuracy"] > 0) & (bv["accuracy"] < 1)).all()


def test_accuracy_is_the_correlation_it_claims():
    """accuracy² = 1 − PEV/Var(a_i): written out from the Henderson inverse by hand."""
    am = animal_model(REC, "wwg ~ 0 + sex", PED, sigma_a2=20, sigma_e2=40)
    X = pd.get_dummies(REC["sex"]).to_numpy(float)[:, [0, 1]]           # female, male
    Z = np.zeros((5, 8))
    Z[np.arange(5), REC["animal"] - 1] = 1
    Ainv = bt.inverse_relationship(PED["sire"], PED["dam"]).toarray()
    C = np.block([[X.T @ X, X.T @ Z], [Z.T @ X, Z.T @ Z + 2.0 * Ainv]])   # alpha = 40/20
    pev = np.diag(np.linalg.inv(C))[2:] * 40.0
    assert am.breeding_values["pev"].to_numpy() == pytest.approx(pev, rel=1e-10)
    assert am.breeding_values["accuracy"].to_numpy() == pytest.approx(np.sqrt(1 - pev / 20), rel=1e-10)


def test_an_animal_without_records_or_offspring_is_the_mean_of_its_parents():
    ped = pd.concat([PED, pd.DataFrame({"animal": [9], "sire": [8], "dam": [7]})], ignore_index=True)
    am = animal_model(REC, "wwg ~ 0 + sex", ped, sigma_a2=20, sigma_e2=40)
    bv = am.breeding_values["breeding_value"]
    assert bv[9] == pytest.approx(0.5 * (bv[8] + bv[7]), abs=1e-12)
    assert bv.drop(9).to_numpy() == pytest.approx(MRODE_BV, abs=6e-4)    # adding a calf changes no one


def test_reml_path_agrees_with_the_engine():
    s, d = bt.simulate_pedigree(4, 40, sires=4, seed=3)
    ped = pd.DataFrame({"animal": np.arange(1, s.size + 1), "sire": s, "dam": d})
    rng = np.random.default_rng(5)             # test data only: not a lesson's draw
    rec = pd.DataFrame({"animal": np.repeat(ped["animal"][40:], 2), "y": rng.normal(size=240)})
    rec["y"] += np.repeat(np.linspace(-1, 1, 120), 2)
    am = animal_model(rec, "y ~ 1", ped)
    A = pd.DataFrame(bt.relationship_matrix(s, d), index=ped["animal"], columns=ped["animal"])
    fit = bt.fit_lmm("y ~ 1 + (1 | animal)", rec, K={"animal": A})
    assert am.method == "REML" and am.sigma_a2 == pytest.approx(float(fit.varcorr["animal"].iat[0, 0]))
    assert am.breeding_values["breeding_value"].to_numpy() == pytest.approx(
        fit.ranef["animal"].iloc[:, 0].to_numpy(), abs=1e-6)
    assert am.fixef.to_numpy() == pytest.approx(fit.fixef.to_numpy(), abs=1e-6)


def test_pedigree_labels_need_not_be_numbers():
    ped = PED.assign(animal=PED["animal"].map(lambda k: f"a{k}"),
                     sire=PED["sire"].map(lambda k: f"a{k}" if k else None),
                     dam=PED["dam"].map(lambda k: f"a{k}" if k else np.nan))
    rec = REC.assign(animal=REC["animal"].map(lambda k: f"a{k}"))
    am = animal_model(rec, "wwg ~ 0 + sex", ped, sigma_a2=20, sigma_e2=40)
    assert list(am.breeding_values.index[:2]) == ["a1", "a2"]
    assert am.breeding_values["breeding_value"].to_numpy() == pytest.approx(MRODE_BV, abs=6e-4)


@pytest.mark.parametrize("kwargs, match", [
    ({"sigma_a2": 20}, "give both sigma_a2 and sigma_e2"),
    ({"sigma_a2": -1, "sigma_e2": 40}, "sigma_a2 must be >= 0"),
    ({"sigma_a2": 0, "sigma_e2": 40}, "sigma_a2 must be > 0"),
    ({"formula": "wwg ~ sex + (1 | animal)"}, "formula must be the fixed part only"),
    ({"pedigree": PED.drop(columns="dam")}, r"pedigree has no column\(s\) \['dam'\]"),
    ({"pedigree": PED.assign(sire=[0, 0, 0, 1, 3, 1, 4, 9])}, "animal 8 has sire 9, which is not an animal"),
    ({"pedigree": PED.assign(sire=[0, 0, 0, 1, 3, 1, 8, 3])}, "parent born after its offspring"),
    ({"data": REC.assign(animal=[4, 5, 6, 7, 10])}, r"records of animal\(s\) \[10\]"),
])
def test_bad_input(kwargs, match):
    args = {"data": REC, "formula": "wwg ~ 0 + sex", "pedigree": PED, "sigma_a2": 20, "sigma_e2": 40}
    if "sigma_a2" in kwargs and "sigma_e2" not in kwargs:
        args.pop("sigma_e2")
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        animal_model(args.pop("data"), args.pop("formula"), args.pop("pedigree"), **args)


def test_inputs_unchanged():
    ped, rec = PED.copy(), REC.copy()
    animal_model(rec, "wwg ~ 0 + sex", ped, sigma_a2=20, sigma_e2=40)
    pd.testing.assert_frame_equal(ped, PED)
    pd.testing.assert_frame_equal(rec, REC)


def test_replicates_are_the_same_equations_with_other_records():
    # Mrode's two sexes and pedigree; each replicate row solved on its own must give the same BLUPs
    Y = np.array([[4.5, 2.9, 3.9, 3.5, 5.0], [5.0, 3.0, 2.0, 4.0, 6.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    am = animal_model(REC, "wwg ~ 0 + sex", PED, sigma_a2=20, sigma_e2=40, replicates=Y)
    assert am.replicates.shape == (3, 8)
    for k, y in enumerate(Y):
        one = animal_model(REC.assign(wwg=y), "wwg ~ 0 + sex", PED, sigma_a2=20, sigma_e2=40)
        np.testing.assert_allclose(am.replicates[k], one.breeding_values["breeding_value"], atol=1e-12)
    assert am.replicates[0] == pytest.approx(MRODE_BV, abs=6e-4)          # row 0 is Mrode's records
    assert animal_model(REC, "wwg ~ 0 + sex", PED, sigma_a2=20, sigma_e2=40).replicates is None


@pytest.mark.parametrize("Y, match", [(np.zeros((2, 4)), r"shape \(reps, 5\)"), (np.zeros(5), "shape"),
                                      (np.full((2, 5), np.nan), "NaN")])
def test_bad_replicates(Y, match):
    with pytest.raises(ValueError, match=match):
        animal_model(REC, "wwg ~ 0 + sex", PED, sigma_a2=20, sigma_e2=40, replicates=Y)
