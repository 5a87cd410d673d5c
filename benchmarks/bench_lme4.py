"""The general engine against R's lme4 itself, same data, same run (issue 17).

Prints, per case (tools match lines by their first word)::

    engine_vs_lme4 case=<name> rows=<N> lme4_s=<x> blupteach_s=<y> ratio=<x/y> dloglik=<blupteach - lme4>

Cases: sleepstudy ``(Days | Subject)``; simulated random slopes with 500 and 5,000 groups;
Penicillin (crossed, lme4's data); Pastes (nested ``(1 | batch/cask)``, lme4's data); a
70,000-row three-factor crossed set like InstEval; 10⁶ rows × 10⁴ groups with a random slope.
Every fit is REML.  The data are written once to CSV (Penicillin and Pastes by R from lme4's
own copies), then each case is timed in R and in Python alternately: R times ``lmer`` inside
one ``Rscript`` per case (median of repeats after a warm-up, so R's start-up is not counted)
and prints its logLik; Python times ``fit_lmm`` the same way.  ``dloglik`` > 0 means
blupteach found a higher REML criterion.

``python benchmarks/run.py lme4 slope_500 sleepstudy`` runs the cases named (all by default).

Needs ``Rscript`` with lme4 (Debian: ``apt-get install -y r-cran-lme4``); without it the
benchmark prints one line saying so and succeeds.  Not part of ``make test``.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import blupteach as bt

R_FIT = r"""
suppressMessages(library(lme4))
args <- commandArgs(TRUE)
d <- read.csv(args[1], stringsAsFactors = TRUE)
for (v in strsplit(args[4], ",")[[1]]) if (nzchar(v)) d[[v]] <- factor(d[[v]])
f <- as.formula(args[2]); reps <- as.integer(args[3])
fit <- lmer(f, d, REML = TRUE)                      # warm-up
times <- replicate(reps, system.time(fit <- lmer(f, d, REML = TRUE))[["elapsed"]])
cat(sprintf("%.6f %.8f\n", median(times), as.numeric(logLik(fit))))
"""

R_DATA = r"""
suppressMessages(library(lme4))
args <- commandArgs(TRUE)
write.csv(Penicillin, file.path(args[1], "penicillin.csv"), row.names = FALSE)
write.csv(Pastes, file.path(args[1], "pastes.csv"), row.names = FALSE)
"""


def _slope(groups: int, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)                 # benchmark data only
    g = np.repeat(np.arange(groups), n)
    x = rng.normal(size=g.size)
    y = 1 + 2 * x + rng.normal(0, 1.0, groups)[g] + rng.normal(0, 0.5, groups)[g] * x + rng.normal(size=g.size)
    return pd.DataFrame({"y": y, "x": x, "g": g})


def _instevalish(rows: int = 70_000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    s, d, dept = rng.integers(0, 2900, rows), rng.integers(0, 1100, rows), rng.integers(0, 14, rows)
    y = (rng.normal(0, 0.3, 2900)[s] + rng.normal(0, 0.5, 1100)[d] + rng.normal(0, 0.1, 14)[dept]
         + rng.normal(0, 1.2, rows))
    return pd.DataFrame({"y": y, "s": s, "d": d, "dept": dept})


CASES = ["sleepstudy", "penicillin", "pastes_nested", "slope_500", "slope_5000", "crossed_70k", "slope_1e6"]


def cases(folder: Path, names=CASES):
    """(name, csv path, formula, factor columns, repeats) of the cases in ``names``, in CASES order."""
    made = {    # name: (the data, or the CSV that R_DATA wrote; formula; factor columns; repeats)
        "sleepstudy": (lambda: bt.datasets.load("sleepstudy"), "Reaction ~ Days + (Days | Subject)", "Subject", 9),
        "penicillin": ("penicillin.csv", "diameter ~ 1 + (1 | sample) + (1 | plate)", "sample,plate", 9),
        "pastes_nested": ("pastes.csv", "strength ~ 1 + (1 | batch/cask)", "batch,cask", 9),
        "slope_500": (lambda: _slope(500, 10, 2024), "y ~ x + (x | g)", "g", 5),
        "slope_5000": (lambda: _slope(5000, 10, 2024), "y ~ x + (x | g)", "g", 3),
        "crossed_70k": (_instevalish, "y ~ 1 + (1 | s) + (1 | d) + (1 | dept)", "s,d,dept", 1),
        "slope_1e6": (lambda: _slope(10_000, 100, 2024), "y ~ x + (x | g)", "g", 1),
    }
    out = []
    for name in [c for c in CASES if c in names]:
        data, formula, factors, reps = made[name]
        path = folder / (data if isinstance(data, str) else f"{name}.csv")
        if not isinstance(data, str):
            data().to_csv(path, index=False)
        out.append((name, path, formula, factors, reps))
    return out


def _r(script: str, *args: str) -> str:
    done = subprocess.run(["Rscript", "-e", script, *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _python(path: Path, formula: str, factors: str, reps: int):
    data = pd.read_csv(path)
    for col in filter(None, factors.split(",")):
        data[col] = data[col].astype(str)
    fit = bt.fit_lmm(formula, data)                   # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fit = bt.fit_lmm(formula, data)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), fit.loglik, len(data)


def main():
    if shutil.which("Rscript") is None or subprocess.run(
            ["Rscript", "-e", "library(lme4)"], capture_output=True).returncode != 0:
        print("engine_vs_lme4 skipped: no Rscript with lme4 (apt-get install -y r-cran-lme4)")
        return 0
    names = sys.argv[1:] or CASES
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"engine_vs_lme4: unknown case(s) {unknown}; the cases are {CASES}")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _r(R_DATA, str(folder))
        for name, path, formula, factors, reps in cases(folder, names):
            lme4_s, lme4_ll = map(float, _r(R_FIT, str(path), formula, str(reps), factors).split())
            bt_s, bt_ll, rows = _python(path, formula, factors, reps)
            print(f"engine_vs_lme4 case={name} rows={rows} lme4_s={lme4_s:.4f} blupteach_s={bt_s:.4f} "
                  f"ratio={lme4_s / bt_s:.2f} dloglik={bt_ll - lme4_ll:.2e}", flush=True)
    return 0


if __name__ == "__main__":
    main()
