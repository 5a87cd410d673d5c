import pandas as pd

import blupteach as bt


def test_dyestuff_reml_matches_lme4():
    """lme4's published REML fit of Dyestuff (C3/C4 rest on this engine)."""
    d = bt.datasets.load("dyestuff")
    fit = bt.fit_oneway(d["Yield"], d["Batch"])
    assert abs(fit.sigma_b2 / 1764.0502 - 1) < 1e-4
    assert abs(fit.loglik / -159.827138 - 1) < 1e-4
