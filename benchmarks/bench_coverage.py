"""Coverage simulator at lesson 05's default settings (the settings of lesson 05's coverage study, restated here: lesson settings live in the lesson).

Prints one line (tools match lines by their first word)::

    coverage sims=<k> seconds=<x>

``sims`` simulated data sets of ``groups`` groups each, with *estimated* variances (the
heavier of the two variants: it adds the variance estimates per data set); ``seconds`` is
the median of 5 timed calls.  The issue's bar: under 2 s.
"""
from __future__ import annotations

import statistics
import time

from blupteach.coverage import simulate_coverage

#: Lesson 05's study (lessons/05_uncertainty.ipynb, the cell that sets ``settings``).
LESSON_05 = dict(n=5, sigma_b2=25.0, sigma_e2=100.0, groups=10, sims=4000, seed=5)


def main() -> None:
    settings = dict(LESSON_05)
    simulate_coverage(**settings, variances="estimated")           # warm-up (imports, caches)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        simulate_coverage(**settings, variances="estimated")
        times.append(time.perf_counter() - t0)
    print(f"coverage sims={settings['sims']} seconds={statistics.median(times):.4f}")


if __name__ == "__main__":
    main()
