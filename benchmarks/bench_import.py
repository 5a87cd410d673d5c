"""How long ``import blupteach`` takes for a script or a grader that only fits.

Prints (tools match lines by their first word)::

    import import_s=<x> reference_s=<y> ratio=<x/y> python_s=<z> drawing_loaded=<modules or none>

Each time is the median wall-clock of 7 fresh interpreters, the three commands interleaved
(after one warm-up each, so the files are in the OS cache): ``import_s`` for ``python -c "import blupteach"``, ``reference_s``
for ``python -c "import numpy, scipy.linalg, scipy.optimize, scipy.sparse, pandas"`` (the
libraries the fitting code itself needs: what no lazy import can save) and ``python_s`` for
``python -c pass``, all measured in this run, since absolute times drift on shared machines.
Goal: ``import_s`` ≤ 1 s on this machine type.  ``drawing_loaded`` names matplotlib, ipywidgets
or formulae if the import loaded them (it should load none of them).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 7
CODE = {
    "import": "import blupteach",
    "reference": "import numpy, scipy.linalg, scipy.optimize, scipy.sparse, pandas",
    "python": "pass",
}
CHECK = ("import sys, blupteach; "
         "print(','.join(m for m in ('matplotlib', 'ipywidgets', 'formulae') if m in sys.modules) or 'none')")


def env() -> dict:
    """This repository first on the path, as the tests run it."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def wall(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env(), check=True)
    return time.perf_counter() - t0


def main() -> int:
    loaded = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env(), check=True,
                            capture_output=True, text=True).stdout.strip()
    # interleave the three so a burst of load on the machine hits them alike
    times = {name: [] for name in CODE}
    for name, code in CODE.items():
        wall(code)
    for _ in range(REPEATS):
        for name, code in CODE.items():
            times[name].append(wall(code))
    t = {name: statistics.median(v) for name, v in times.items()}
    print(f"import import_s={t['import']:.3f} reference_s={t['reference']:.3f} "
          f"ratio={t['import'] / t['reference']:.2f} python_s={t['python']:.3f} drawing_loaded={loaded}",
          flush=True)
    return 0
