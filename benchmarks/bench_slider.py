"""Slider latency of every live panel in ``bt.panels`` as ipympl pays it, beside a one-line reference; fit_oneway on 10⁶ rows.

Prints (tools match lines by their first word)::

    slider_reference p50_ms=<x> p95_ms=<x> figure_px=<w>x<h>
    slider_panel name=<factory> p50_ms=<x> p95_ms=<x> rebuild_p50_ms=<x> ratio=<rebuild/p50>
                 reference_p50_ms=<x> vs_reference=<p50/reference_p50>
    slider_panel_detail name=<factory> diff_images_per_move=<x> draw_requests_per_move=<x> cpu_p50_ms=<x>
                        artists_moving=<k> figure_px=<w>x<h>
    slider p50_ms=<x> p95_ms=<x> redraw_p50_ms=<x> ratio=<redraw/p50>        (lesson 02's panel, as before)
    slider_detail diff_images_per_move=<x> ... set_data_full_draw_p50_ms=<x> moves=<k> figure_px=<w>x<h> load1=<x>
    oneway_1e6_s=<x>

Targets (issue 10, point 8; read, not asserted): every panel's ``ratio`` ≥ 3 and
``vs_reference`` ≤ 2.5.

One *move* = what a learner's slider drag costs in the kernel:

- live (the course's pattern): ``panel.update(**values)`` — set the artists' data,
  restore the cached background, draw only the moving artists, ``canvas.blit`` —
  and ipympl's ``get_diff_image()`` (the PNG of the changed pixels it sends the
  browser; ipympl's ``blit``/``draw`` call it through ``manager.refresh_all()``);
- reference: a figure of the panel's size holding one line of 200 points, moved by
  ``set_ydata`` and redrawn by the same path (a :class:`blupteach.plots.LiveFigure`
  blit and its diff image): the cheapest a live figure of that size can be.  One
  reference per figure size; ``slider_reference`` is the course's 8.5 × 4.2 in
  figure, and each panel line names the reference of its own size;
- rebuild (the naive pattern, same figure): ``fig.clear()``, build the same axes
  and artists again with the panel's own code, set them to the same values, a
  full ``canvas.draw()`` (layout engine included, as a rebuilt figure runs it) and
  the diff image.  The caterpillar panel is rebuilt from the same fit (fitting is
  not drawing).

Absolute times drift by 2× between runs on a shared machine, so every panel, the
references and the rebuilds are measured in one run, interleaved: each round moves
every panel and every reference once, in a fresh random order, and every
``REBUILD_EVERY``-th round rebuilds every panel once (about 4 minutes in all on a
loaded 2-core machine; ``BENCH_MOVES=20`` for a quick look).

The live loop runs in pyplot's interactive mode, as ``%matplotlib widget`` sets it;
a ``draw`` request the figure sends the browser (a stale figure calls
``draw_idle``) is answered with the full redraw the browser would ask for, inside
the timed move, and counted (``draw_requests_per_move``; 0 for the course's pattern).

All run headless under the ipympl backend with ``canvas.syncing_data_url = False``,
as when a browser is connected (otherwise every frame also PNG-encodes the whole
buffer for the notebook's static copy).  Each move's slider values are drawn from
the sliders' ranges with a fixed seed.  The number of ``get_diff_image`` calls that
produced an image is counted, so a pattern that sends no frame (or two) per move is
visible.  Wall-clock times are the headline; the CPU times and the 1-minute load
average tell whether other processes on the machine inflated them.
"""
from __future__ import annotations

import inspect
import os
import sys
import time

import matplotlib

matplotlib.use("module://ipympl.backend_nbagg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

MOVES = int(os.environ.get("BENCH_MOVES", 160))   # moves per panel and per reference
REBUILD_EVERY = 8          # rounds between two rebuilds of every panel (20 rebuilds each)
FULL_DRAWS = 40            # set_data_full_draw_p50_ms: lesson 02's panel, the first values
SEED = 20260
REFERENCE_SIZE = (8.5, 4.2)    # inches: the course's widest panel figure (plots.MAX_WIDTH_IN)


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
    """Return ``rebuild(factory, fig, values, **kwargs)``: clear ``fig`` and build ``factory``'s panel on it again.

    The panel's factory (from ``module``) is re-run with ``new_figure`` replaced by
    "clear this figure and add the same axes to it" and ``Panel`` replaced by a
    stand-in that only sets the artists to ``values`` — the same artists, the same code.
    """
    import blupteach.plots as plots

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
        return figure

    def rebuild(factory, fig, values, **kwargs):
        real_new, real_panel = module.new_figure, module.Panel
        module.new_figure, module.Panel = new_figure_on(fig), fake_panel
        try:
            factory(**kwargs, **values)
        finally:
            module.new_figure, module.Panel = real_new, real_panel
        fig.canvas.draw()          # full draw; ipympl sends the diff image from here

    return rebuild


def percentile_ms(times, q):
    return float(np.percentile(np.asarray(times) * 1e3, q))


def live_factory_names() -> list[str]:
    """Every factory in ``bt.panels`` callable with no arguments (the live panels; ``*_figure`` are static)."""
    import blupteach as bt

    def no_required_args(f) -> bool:
        return callable(f) and all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                                   for p in inspect.signature(f).parameters.values())
    return [n for n in bt.panels.__all__ if no_required_args(getattr(bt.panels, n))]


def ipympl_canvas(fig):
    canvas = fig.canvas
    assert type(canvas).__module__.startswith("ipympl"), f"not the ipympl canvas: {type(canvas)}"
    canvas.syncing_data_url = False
    return canvas


class Reference:
    """A one-line live figure of a given size: ``set_ydata`` then the panels' blit path."""

    def __init__(self, figsize, dpi, moves):
        from blupteach.plots import LiveFigure, building, new_figure

        with building():
            self.figure, ax = new_figure(figsize=tuple(figsize), dpi=dpi)
            self.x = np.linspace(0.0, 1.0, 200)
            ax.set(xlim=(0, 1), ylim=(-1.1, 1.1), xlabel="x", ylabel="y", title="reference: one line")
            (self.line,) = ax.plot(self.x, np.sin(2 * np.pi * self.x))
        self.live = LiveFigure(self.figure, [self.line])
        canvas = ipympl_canvas(self.figure)
        canvas.draw()
        self.phases = np.random.default_rng(SEED).uniform(0, 1, moves)
        self.move(0)
        self.count = DiffCounter(canvas)
        self.times = []

    def move(self, i):
        self.line.set_ydata(np.sin(2 * np.pi * (self.x + self.phases[i])))
        self.live.refresh()

    def timed(self, i):
        t0 = time.perf_counter()
        self.move(i)
        self.times.append(time.perf_counter() - t0)


class PanelBench:
    """One live panel driven by ``update``, and a second figure of its size rebuilt from scratch."""

    def __init__(self, name, moves, fit=None):
        import blupteach as bt

        self.name = name
        factory = getattr(bt.panels, name)
        self.module = sys.modules[factory.__module__]
        self.factory = getattr(self.module, factory.__name__)
        self.kwargs = {"fit": fit} if "fit" in inspect.signature(factory).parameters and fit is not None else {}
        self.panel = factory(**self.kwargs)
        self.values = slider_values(self.panel.spec, moves)
        self.canvas = ipympl_canvas(self.panel.figure)
        self.canvas.draw()                       # the first frame a browser receives
        self.panel.update(**self.values[-1])      # warm-up: background captured
        self.count = DiffCounter(self.canvas)
        self.browser = BrowserStandIn(self.canvas)
        self.live, self.live_cpu = [], []
        # the rebuilt figure: same size and dpi, its own canvas (not a Panel: that would close the live one)
        self.rebuild_fig = plt.figure(figsize=self.panel.figure.get_size_inches(), dpi=self.panel.figure.dpi)
        ipympl_canvas(self.rebuild_fig)
        self.rebuild = rebuilder(self.module)
        self.rebuild(self.factory, self.rebuild_fig, self.values[-1], **self.kwargs)   # warm-up
        self.rebuild_count = DiffCounter(self.rebuild_fig.canvas)
        self.rebuilds, self.rebuild_cpu = [], []

    @property
    def size_key(self):
        return tuple(np.round(self.panel.figure.get_size_inches(), 3))

    def timed_move(self, i):
        t0, c0 = time.perf_counter(), time.process_time()
        self.panel.update(**self.values[i])
        self.browser.answer()            # a redraw the figure asked for, as the browser would request it
        self.live.append(time.perf_counter() - t0)
        self.live_cpu.append(time.process_time() - c0)

    def timed_rebuild(self, i):
        t0, c0 = time.perf_counter(), time.process_time()
        self.rebuild(self.factory, self.rebuild_fig, self.values[i], **self.kwargs)
        self.rebuilds.append(time.perf_counter() - t0)
        self.rebuild_cpu.append(time.process_time() - c0)


def bench_slider(moves: int = MOVES):
    from blupteach.panels.interval_figures import exam_schools_fit

    fit = exam_schools_fit()
    benches = [PanelBench(name, moves, fit=fit) for name in live_factory_names()]
    dpi = benches[0].panel.figure.dpi
    sizes = {b.size_key for b in benches} | {REFERENCE_SIZE}
    refs = {size: Reference(size, dpi, moves) for size in sorted(sizes)}
    rng = np.random.default_rng(SEED + 1)

    movers = [*((b.timed_move) for b in benches), *(r.timed for r in refs.values())]
    for i in range(moves):
        matplotlib.interactive(True)        # as under %matplotlib widget
        try:
            for k in rng.permutation(len(movers)):
                movers[k](i)
        finally:
            matplotlib.interactive(False)
        if i % REBUILD_EVERY == 0:
            for k in rng.permutation(len(benches)):
                benches[k].timed_rebuild(i)

    ref = refs[REFERENCE_SIZE]
    w, h = ref.figure.canvas.get_width_height(physical=True)
    print(f"slider_reference p50_ms={percentile_ms(ref.times, 50):.2f} p95_ms={percentile_ms(ref.times, 95):.2f} "
          f"figure_px={w}x{h}")
    for size, r in refs.items():
        assert r.count.images == moves, f"reference {size}: {r.count.images} diff images for {moves} moves"
    for b in benches:
        p50, p95, r50 = percentile_ms(b.live, 50), percentile_ms(b.live, 95), percentile_ms(b.rebuilds, 50)
        ref_p50 = percentile_ms(refs[b.size_key].times, 50)
        print(f"slider_panel name={b.name} p50_ms={p50:.2f} p95_ms={p95:.2f} rebuild_p50_ms={r50:.2f} "
              f"ratio={r50 / p50:.2f} reference_p50_ms={ref_p50:.2f} vs_reference={p50 / ref_p50:.2f}")
    for b in benches:
        w, h = b.canvas.get_width_height(physical=True)
        print(f"slider_panel_detail name={b.name} diff_images_per_move={b.count.images / moves:.2f} "
              f"draw_requests_per_move={b.browser.requests / moves:.2f} cpu_p50_ms={percentile_ms(b.live_cpu, 50):.2f} "
              f"rebuild_cpu_p50_ms={percentile_ms(b.rebuild_cpu, 50):.2f} artists_moving={len(b.panel.live.moving)} "
              f"figure_px={w}x{h}")

    # -- lesson 02's panel, in the form earlier runs printed it ---------------------------
    legacy = next(b for b in benches if b.name == "shrinkage_weight")
    live_images, live_diff_s = legacy.count.images, legacy.count.seconds
    full = []     # the same artists updated in place, then a full draw (no blit)
    for v in legacy.values[:FULL_DRAWS]:
        t0 = time.perf_counter()
        legacy.panel._draw(**v)
        legacy.canvas.draw()
        full.append(time.perf_counter() - t0)
    p50, p95, r50 = percentile_ms(legacy.live, 50), percentile_ms(legacy.live, 95), percentile_ms(legacy.rebuilds, 50)
    w, h = legacy.canvas.get_width_height(physical=True)
    print(f"slider p50_ms={p50:.2f} p95_ms={p95:.2f} redraw_p50_ms={r50:.2f} ratio={r50 / p50:.2f}")
    print(f"slider_detail diff_images_per_move={live_images / moves:.2f} "
          f"draw_requests_per_move={legacy.browser.requests / moves:.2f} "
          f"diff_mean_ms={live_diff_s / moves * 1e3:.2f} "
          f"redraw_diff_images_per_move={legacy.rebuild_count.images / len(legacy.rebuilds):.2f} "
          f"cpu_p50_ms={percentile_ms(legacy.live_cpu, 50):.2f} "
          f"redraw_cpu_p50_ms={percentile_ms(legacy.rebuild_cpu, 50):.2f} "
          f"set_data_full_draw_p50_ms={percentile_ms(full, 50):.2f} "
          f"moves={moves} figure_px={w}x{h} load1={os.getloadavg()[0]:.2f}")
    return {b.name: (percentile_ms(b.live, 50), percentile_ms(b.rebuilds, 50)) for b in benches}


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
