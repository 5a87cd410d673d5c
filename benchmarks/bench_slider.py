"""Slider latency of lesson 02's panel as ipympl pays it, and fit_oneway on 10⁶ rows.

Prints (tools match lines by their first word)::

    slider p50_ms=<x> p95_ms=<x> redraw_p50_ms=<x> ratio=<redraw/p50>
    slider_detail diff_images_per_move=<x> draw_requests_per_move=<x> diff_mean_ms=<x> redraw_diff_images_per_move=<x>
                  cpu_p50_ms=<x> redraw_cpu_p50_ms=<x> set_data_full_draw_p50_ms=<x>
                  moves=<k> figure_px=<w>x<h> load1=<x>
    oneway_1e6_s=<x>

One *move* = what a learner's slider drag costs in the kernel:

- live (the course's pattern): ``panel.update(**values)`` — set the artists' data,
  restore the cached background, draw only the moving artists, ``canvas.blit`` —
  and ipympl's ``get_diff_image()`` (the PNG of the changed pixels it sends the
  browser; ipympl's ``blit``/``draw`` call it through ``manager.refresh_all()``);
- redraw (the naive pattern, same figure): ``fig.clear()``, build the same axes
  and artists again with the panel's own code, set them to the same values, a
  full ``canvas.draw()`` (layout engine included, as a rebuilt figure runs it) and
  the diff image.

For reference ``set_data_full_draw_p50_ms`` times the middle road: the same
artists updated in place, then a full ``canvas.draw()`` and its diff image.

The live loop runs in pyplot's interactive mode, as ``%matplotlib widget`` sets it;
a ``draw`` request the figure sends the browser (a stale figure calls
``draw_idle``) is answered with the full redraw the browser would ask for, inside
the timed move, and counted (``draw_requests_per_move``; 0 for the course's pattern).

All run headless under the ipympl backend with ``canvas.syncing_data_url = False``,
as when a browser is connected (otherwise every frame also PNG-encodes the whole
buffer for the notebook's static copy).  Each move's slider values are drawn from
the sliders' ranges with a fixed seed; the same 200 values are used for both.
The number of ``get_diff_image`` calls that produced an image is counted, so a
pattern that sends no frame (or two) per move is visible.  Wall-clock times are
the headline; the CPU times and the 1-minute load average in ``slider_detail``
tell whether other processes on the machine inflated them.
"""
from __future__ import annotations

import os
import time

import matplotlib

matplotlib.use("module://ipympl.backend_nbagg")

import numpy as np  # noqa: E402

MOVES = 200
SEED = 20260


def slider_values(spec, k: int, seed: int = SEED) -> list[dict]:
    """``k`` dicts of slider values drawn uniformly from each slider's range (log scale for log sliders)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(k):
        values = {}
        for name, s in spec.items():
            if s.scale == "int":
                values[name] = int(rng.integers(int(s.min), int(s.max) + 1))
            elif s.scale == "log":
                values[name] = float(np.exp(rng.uniform(np.log(s.min), np.log(s.max))))
            else:
                values[name] = float(rng.uniform(s.min, s.max))
        out.append(values)
    return out


class DiffCounter:
    """Wrap a canvas's ``get_diff_image`` to count the images ipympl would send."""

    def __init__(self, canvas):
        self.images = 0
        self.seconds = 0.0
        self._orig = canvas.get_diff_image

        def counted():
            t0 = time.perf_counter()
            image = self._orig()
            self.seconds += time.perf_counter() - t0
            if image is not None:
                self.images += 1
            return image

        canvas.get_diff_image = counted


class BrowserStandIn:
    """What the ipympl frontend does with a ``draw`` request: ask the kernel for a full redraw.

    In interactive mode a figure marked stale calls ``draw_idle``, which ipympl turns
    into a ``{"type": "draw"}`` message; the browser answers with one ``draw`` request
    (one outstanding at a time), and the kernel then draws the whole figure.  Counting
    and answering those requests here makes the benchmark pay what a learner pays.
    """

    def __init__(self, canvas):
        self.canvas = canvas
        self.pending = False
        self.requests = 0
        send = canvas.send

        def intercept(content, buffers=None):
            if '"type": "draw"' in str(content.get("data", "")):
                self.pending = True
                self.requests += 1
                return None
            return send(content, buffers=buffers)

        canvas.send = intercept

    def answer(self):
        if self.pending:
            self.pending = False
            self.canvas.manager.handle_json({"type": "draw"})


def rebuilder(module):
    """Return ``rebuild(fig, values)``: clear ``fig`` and build the panel of ``module`` on it again.

    The panel's factory is re-run with ``new_figure`` replaced by "clear this
    figure and add the same axes to it" and ``Panel`` replaced by a stand-in that
    only sets the artists to ``values`` — the same artists, the same code.
    """
    import blupteach.plots as plots

    captured = {}

    def new_figure_on(fig):
        def make(nrows=1, ncols=1, *, figsize=None, dpi=None, **subplot_kw):
            fig.clear()
            fig.set_layout_engine("constrained")    # a rebuilt figure lays itself out again
            with plots.building():
                axes = fig.subplots(nrows, ncols, **subplot_kw)
            return fig, axes
        return make

    def fake_panel(figure, draw, spec, moving, *, name, initial=None, **kw):
        draw(**{**{k: s.default for k, s in spec.items()}, **(initial or {})})
        captured["figure"] = figure
        return figure

    def rebuild(factory, fig, values):
        real_new, real_panel = module.new_figure, module.Panel
        module.new_figure, module.Panel = new_figure_on(fig), fake_panel
        try:
            factory(**values)
        finally:
            module.new_figure, module.Panel = real_new, real_panel
        fig.canvas.draw()          # full draw; ipympl sends the diff image from here

    return rebuild


def percentile_ms(times, q):
    return float(np.percentile(np.asarray(times) * 1e3, q))


def bench_slider(moves: int = MOVES):
    import blupteach as bt
    import blupteach.panels.shrinkage as module

    values = slider_values(module.SPEC, moves)

    # -- live: the course's pattern --------------------------------------------------
    panel = bt.panels.shrinkage_weight()
    canvas = panel.figure.canvas
    assert type(canvas).__module__.startswith("ipympl"), f"not the ipympl canvas: {type(canvas)}"
    canvas.syncing_data_url = False
    canvas.draw()                      # the first frame a browser receives
    panel.update(**values[-1])          # warm-up: background captured
    live_count = DiffCounter(canvas)
    browser = BrowserStandIn(canvas)
    live, live_cpu = [], []
    matplotlib.interactive(True)        # as under %matplotlib widget
    try:
        for v in values:
            t0, c0 = time.perf_counter(), time.process_time()
            panel.update(**v)
            browser.answer()            # a redraw the figure asked for, as the browser would request it
            live.append(time.perf_counter() - t0)
            live_cpu.append(time.process_time() - c0)
    finally:
        matplotlib.interactive(False)

    live_images, live_diff_s = live_count.images, live_count.seconds

    # -- for reference: the same artists updated in place, then a full draw (no blit) -----
    full = []
    for v in values:
        t0 = time.perf_counter()
        panel._draw(**v)
        canvas.draw()
        full.append(time.perf_counter() - t0)

    # -- redraw: clear and rebuild the same figure ------------------------------------
    fig = bt.panels.shrinkage_weight().figure
    fig.canvas.syncing_data_url = False
    rebuild = rebuilder(module)
    rebuild(module.shrinkage_weight, fig, values[-1])   # warm-up
    redraw_count = DiffCounter(fig.canvas)
    redraw, redraw_cpu = [], []
    for v in values:
        t0, c0 = time.perf_counter(), time.process_time()
        rebuild(module.shrinkage_weight, fig, v)
        redraw.append(time.perf_counter() - t0)
        redraw_cpu.append(time.process_time() - c0)

    p50, p95 = percentile_ms(live, 50), percentile_ms(live, 95)
    r50 = percentile_ms(redraw, 50)
    w, h = canvas.get_width_height(physical=True)
    print(f"slider p50_ms={p50:.2f} p95_ms={p95:.2f} redraw_p50_ms={r50:.2f} ratio={r50 / p50:.2f}")
    print(f"slider_detail diff_images_per_move={live_images / moves:.2f} "
          f"draw_requests_per_move={browser.requests / moves:.2f} "
          f"diff_mean_ms={live_diff_s / moves * 1e3:.2f} "
          f"redraw_diff_images_per_move={redraw_count.images / moves:.2f} "
          f"cpu_p50_ms={percentile_ms(live_cpu, 50):.2f} redraw_cpu_p50_ms={percentile_ms(redraw_cpu, 50):.2f} "
          f"set_data_full_draw_p50_ms={percentile_ms(full, 50):.2f} "
          f"moves={moves} figure_px={w}x{h} load1={os.getloadavg()[0]:.2f}")
    return p50, r50


def bench_oneway(repeats: int = 5):
    import blupteach as bt

    rng = np.random.default_rng(1)
    g, N = 10**4, 10**6
    group = rng.integers(0, g, N)
    y = 100 + rng.normal(0, 5, g)[group] + rng.normal(0, 10, N)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fit = bt.fit_oneway(y, group)
        times.append(time.perf_counter() - t0)
    assert fit.n.size == g and abs(fit.sigma_b2 / 25 - 1) < 0.1, "the benchmark fit is off: check the data"
    print(f"oneway_1e6_s={float(np.median(times)):.3f}")


def main():
    bench_slider()
    bench_oneway()


if __name__ == "__main__":
    main()
