"""Slider latency in a real browser: key press on a slider → changed pixels on the live figure.

JupyterLab from ``.venv`` and Debian's Chromium (playwright, ``executable_path``), as in
``tests/browser/``.  For every lesson with a panel (code calling ``bt.panels.``): open it, Run
All, then for each panel press ArrowRight/ArrowLeft on its first slider 50 times (after 3
warm-up moves); each sample is the time from just before the key press to the first animation
frame whose canvas pixels differ.  The same is measured, in the same run, for a one-line
reference ipympl figure (a sine whose frequency the slider sets) so the numbers can be read
against what ipympl itself costs on this machine.

Prints one line per panel (``browser_slider_panel ...``) and then exactly::

    browser_slider p50_ms=<x> p95_ms=<x> reference_p50_ms=<x>

for the worst panel (largest p50).  Goal (issue 7): every panel within 1.5x of the reference
and p50 <= 150 ms.  Without Chromium it prints ``browser_slider skipped reason=...`` and returns 0.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import labdriver as ld  # noqa: E402

MOVES = 50
WARMUP = 3

REFERENCE_CELLS = [
    "%matplotlib widget\nimport numpy as np\nimport ipywidgets as ipw\nimport matplotlib.pyplot as plt",
    "x = np.linspace(0, 2 * np.pi, 400)\nwith plt.ioff():\n    fig, ax = plt.subplots(figsize=(6, 3.5))\n"
    "(line,) = ax.plot(x, np.sin(x))\n"
    "slider = ipw.FloatSlider(value=1.0, min=0.5, max=5.0, step=0.05, description='f')\n"
    "def move(change):\n    line.set_ydata(np.sin(change['new'] * x))\n    fig.canvas.draw_idle()\n"
    "slider.observe(move, names='value')\nipw.VBox([slider, fig.canvas])",
]


def reference_notebook() -> str:
    return ld.write_code_notebook(ROOT / "build" / "bench" / "reference.ipynb", REFERENCE_CELLS)


def percentile(xs, q):
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def measure_figure(lab: ld.LabPage, figure, slider) -> list[float]:
    """``MOVES`` timed key presses on ``slider`` (after ``WARMUP``), back and forth."""
    samples = []
    for i in range(WARMUP + MOVES):
        lab.wait_drawn(figure, quiet_ms=120)        # nothing in flight before arming the probe
        key = "ArrowRight" if (i // 2) % 2 == 0 else "ArrowLeft"
        ms = lab.timed_move(figure, slider, key)
        if i >= WARMUP:
            samples.append(ms)
    return samples


def measure_notebook(lab: ld.LabPage, nb_path: str) -> list[tuple[int, list[float]]]:
    lab.open(nb_path)
    lab.run_all()
    lab.wait_figures(1)
    results = []
    figures = lab.figures()
    for i in range(figures.count()):
        fig = figures.nth(i)
        lab.wait_drawn(fig)
        sliders = lab.sliders(fig)
        if sliders.count() == 0:
            continue
        results.append((i, measure_figure(lab, fig, sliders.first)))
    return results


def main() -> int:
    chromium = ld.find_chromium()
    if chromium is None:
        print("browser_slider skipped reason=chromium_not_installed "
              "(sudo apt-get install chromium; then make bench)")
        return 0
    lessons = ld.panel_lessons()
    if not lessons:
        print("browser_slider skipped reason=no_lesson_with_a_panel_in_lessons/")
        return 0
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    rows = []
    with ld.Server("lab", log=ROOT / "build" / "bench" / "jupyterlab.log") as server, \
            sync_playwright() as pw, ld.open_browser(pw, chromium) as context:
        context.set_default_timeout(60_000)
        lab = ld.LabPage(context, server)
        (_, ref), = measure_notebook(lab, reference_notebook())
        ld.shutdown_kernels(server)
        ref_p50 = statistics.median(ref)
        print(f"browser_slider_reference p50_ms={ref_p50:.1f} p95_ms={percentile(ref, 0.95):.1f} n={len(ref)}",
              flush=True)
        for lesson in lessons:
            for fig_index, samples in measure_notebook(lab, str(lesson.relative_to(ROOT))):
                p50, p95 = statistics.median(samples), percentile(samples, 0.95)
                rows.append((p50, p95, lesson.stem, fig_index))
                print(f"browser_slider_panel lesson={lesson.stem} figure={fig_index} p50_ms={p50:.1f} "
                      f"p95_ms={p95:.1f} ratio={p50 / ref_p50:.2f} n={len(samples)}", flush=True)
            ld.shutdown_kernels(server)
        lab.page.close()
    if not rows:
        print("browser_slider skipped reason=no_panel_figure_with_sliders_found")
        return 1
    p50, p95, stem, fig_index = max(rows)
    print(f"# worst panel: {stem} figure {fig_index}; {len(rows)} panels, {time.perf_counter() - t0:.0f} s in all")
    print(f"browser_slider p50_ms={p50:.1f} p95_ms={p95:.1f} reference_p50_ms={ref_p50:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
