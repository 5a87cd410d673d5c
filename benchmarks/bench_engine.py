"""The mixed-model engine against statsmodels ``MixedLM``, whole path from formula + DataFrame.

Prints (tools match lines by their first word)::

    engine groups=500 blupteach_s=<x> statsmodels_s=<x> ratio=<statsmodels/blupteach> dloglik=<|difference|>
    engine groups=5000 blupteach_s=<x> statsmodels_s=<x> ratio=<x> dloglik=<x>
    engine crossed rows=70000 blupteach_s=<x>
    engine_1e6 seconds=<fit> rows=1000000 groups=10000 intervals_s=<x> report_s=<x> reference_s=<r> ratio=<fit/r>

The fit is ``y ~ x + (x | g)`` by REML on simulated data (seeded) with 10
observations per group; each time covers parsing the formula, building the
design and fitting.  blupteach: median of 7 repeats after one warm-up;
statsmodels (``smf.mixedlm("y ~ x", groups=g, re_formula="~x").fit(reml=True)``):
median of 3 repeats at 500 groups, one fit at 5000 (it takes seconds).
``dloglik`` = |logLik(blupteach) − logLik(statsmodels)|.  The crossed line fits
``y ~ 1 + (1 | a) + (1 | b)`` with 70,000 rows, about 3,000 × 1,100 levels (one run).
``engine_1e6`` (issue 15): ``y ~ x + (x | g)`` on 10⁶ rows in 10⁴ groups (median of 3 fits),
then every group's interval (``prediction_interval``) and the whole ``bt.report``;
``reference_s`` is a fixed numpy workload on the same 10⁶ rows timed in the same run (a
group-by: argsort + bincount of the three columns), so runs compare by ``ratio``.
"""
from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import pandas as pd

import blupteach as bt
from blupteach import fit_lmm


def slope_data(groups: int, n: int = 10, seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(groups), n)
    x = rng.normal(size=g.size)
    b0, b1 = rng.normal(0, 1.0, groups), rng.normal(0, 0.5, groups)
    y = 1 + 2 * x + b0[g] + b1[g] * x + rng.normal(size=g.size)
    return pd.DataFrame({"y": y, "x": x, "g": g})


def crossed_data(rows: int = 70_000, na: int = 3000, nb: int = 1100, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, na, rows), rng.integers(0, nb, rows)
    y = rng.normal(0, 1.0, na)[a] + rng.normal(0, 0.7, nb)[b] + rng.normal(size=rows)
    return pd.DataFrame({"y": y, "a": a, "b": b})


def _median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def statsmodels_fit(df):
    import statsmodels.formula.api as smf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smf.mixedlm("y ~ x", df, groups=df["g"], re_formula="~x").fit(reml=True)


def main() -> None:
    for groups, sm_repeats in ((500, 3), (5000, 1)):
        df = slope_data(groups)
        fit_lmm("y ~ x + (x | g)", df)                                  # warm-up
        t_bt, fit = _median_time(lambda: fit_lmm("y ~ x + (x | g)", df), 7)
        t_sm, sm = _median_time(lambda: statsmodels_fit(df), sm_repeats)
        print(f"engine groups={groups} blupteach_s={t_bt:.4f} statsmodels_s={t_sm:.4f} "
              f"ratio={t_sm / t_bt:.1f} dloglik={abs(fit.loglik - sm.llf):.3g}")
    df = crossed_data()
    t_cr, _ = _median_time(lambda: fit_lmm("y ~ 1 + (1 | a) + (1 | b)", df), 1)
    print(f"engine crossed rows={len(df)} blupteach_s={t_cr:.3f}")
    big = slope_data(10_000, n=100)
    t_big, fit = _median_time(lambda: fit_lmm("y ~ x + (x | g)", big), 3)
    t_pi, pi = _median_time(lambda: bt.prediction_interval(fit, target="group_mean"), 1)
    t_rep, rep = _median_time(lambda: bt.report(big, y="y", group="g", slope="x"), 1)
    assert len(pi) == len(rep.table) == 10_000, "the 1e6 benchmark must predict every group"

    def reference():
        order = np.argsort(big["g"].to_numpy(), kind="stable")
        return [np.bincount(big["g"].to_numpy()[order], weights=big[c].to_numpy()[order]) for c in ("y", "x")]
    t_ref, _ = _median_time(reference, 5)
    print(f"engine_1e6 seconds={t_big:.3f} rows={len(big)} groups=10000 intervals_s={t_pi:.3f} "
          f"report_s={t_rep:.3f} reference_s={t_ref:.4f} ratio={t_big / t_ref:.1f}")


if __name__ == "__main__":
    main()
