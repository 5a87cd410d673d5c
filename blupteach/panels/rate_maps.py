r"""Risk-map figures (lesson 08): raw and smoothed county rates on one colour scale.

``risk_map_panel``: North Carolina's 100 counties, SIDS deaths per 1,000 births 1974–78, drawn
twice from the bundled outlines (one :class:`~matplotlib.collections.PolyCollection` per map,
longitude scaled by cos(latitude) so the counties keep their shape): left the raw rate
:math:`r_i = y_i/n_i`, right the smoothed rate :math:`m + w_i (r_i - m)` with lesson 02's weight

.. math:: w_i = \frac{n_i \sigma_b^2}{n_i \sigma_b^2 + m}

(:func:`blupteach.shrinkage_weight` with σ_ε² = m, the Poisson variance per birth, and σ_b² the
between-county variance of the true rates).  One slider moves σ_b² on a log scale, in
(deaths per 1,000 births)²: at its top every w is near 1 and the right map is the raw map; at its
bottom every w is near 0 and every county shows the state's rate m.  It opens at Marshall's
estimate (:func:`blupteach.eb_rates`).  Below the maps: each county's w against its births, the
curve at the slider's σ_b² and, dashed green on top of it, at Marshall's.  A move only sets the
right map's ``set_array``, the dots' offsets, the curve and a readout.

Colour scale: diverging (ColorBrewer's PuOr, purple low, orange high; built for the common
colour-vision deficiencies), centred on the state's rate m (2.02 per 1,000) as on a map of
standardised ratios, so that smoothing reads as fading to the neutral middle.  It runs from 0 to
``TOP`` = 6 per 1,000; the two raw rates above that (Anson 9.6, Northampton 6.3) get the
``over`` colour, the darkest brown, shown by the colour bar's arrow.

``rate_births_figure`` (static): raw rate against births (log scale), a line from each raw
rate to its smoothed rate.  ``rate_funnel_figure`` (static): raw rates with the common-effect
and the overdispersed control limits of :func:`blupteach.funnel.funnel_limits` at 95% and, for
the overdispersed ones, also at 99.8% (Spiegelhalter's second pair of limits).
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import PolyCollection
from matplotlib.colors import ListedColormap, TwoSlopeNorm

from ..datasets import load, load_counties
from ..funnel import funnel_limits, outside_funnel
from ..oneway import partial_pooling, shrinkage_weight
from ..accessible import axes_text, describe
from ..plots import COLORS, DIVERGING, arrows, building, new_figure, set_arrows
from ..smallarea import eb_rates
from ..widgets import Panel, Slider

PER = 1000.0                      # rates are shown per 1,000 births
UNITS = "SIDS deaths per 1,000 births"
CENTRE = 2.0214449                # the state's rate m 1974-78 per 1,000 (spdep's EBest): the neutral colour
TOP = 6.0                         # rates above it (Anson 9.6, Northampton 6.3 raw) get the over colour
# diverging, colour-blind safe, one scale for both maps; its darkest 10% at each end left out, so that
# the over colour (the darkest brown) stands apart from the 6-per-1,000 orange and the zeros' purple
CMAP = ListedColormap(colormaps[DIVERGING](np.linspace(0.1, 0.9, 256)), name=f"{DIVERGING}_over").with_extremes(
    over=colormaps[DIVERGING](1.0))
NORM = TwoSlopeNorm(CENTRE, vmin=0.0, vmax=TOP)           # 0 .. m .. 6 per 1,000 onto the map's two halves
OUTER = 0.998                     # Spiegelhalter's (2005) outer funnel limits, about 3 standard errors
SPAN = 1000.0                     # the slider runs from Marshall's a / SPAN to a * SPAN
BIRTHS_GRID = np.unique(np.round(np.geomspace(200, 25_000, 120)))   # whole births: n counts people


def county_rings(counties) -> tuple[list[np.ndarray], np.ndarray, float]:
    """Outline rings in map units (x = lon·cos(lat₀), y = lat), the county of each ring, and lat₀.

    ``counties`` is :func:`blupteach.datasets.load_counties`'s list; a county may have several
    rings (islands).  Scaling longitude by the cosine of the map's mean latitude keeps the
    counties' shapes (a degree of longitude is shorter than a degree of latitude).
    """
    rings, owner = [], []
    for k, county in enumerate(counties):
        for ring in county["rings"]:
            rings.append(np.asarray(ring, dtype=float))
            owner.append(k)
    lat0 = float(np.mean(np.concatenate([r[:, 1] for r in rings])))
    scale = np.cos(np.deg2rad(lat0))
    return [np.column_stack([r[:, 0] * scale, r[:, 1]]) for r in rings], np.asarray(owner), lat0


def _map_axes(ax, rings, owner, values, title):
    """One map: a PolyCollection coloured by ``values`` (per county) on the shared scale, and its borders.

    The borders are one Line2D (rings joined by NaN breaks), drawn over the fill: stroking 108
    polygon edges in the collection took 5 times as long as filling them.
    """
    coll = PolyCollection(rings, cmap=CMAP, norm=NORM, linewidths=0)
    coll.set_array(np.asarray(values)[owner])
    ax.add_collection(coll)
    gaps = np.concatenate([np.vstack([r, [np.nan, np.nan]]) for r in rings])
    (borders,) = ax.plot(gaps[:, 0], gaps[:, 1], color="0.45", lw=0.4, zorder=coll.get_zorder() + 0.5)
    xy = np.concatenate(rings)
    ax.set(xlim=(xy[:, 0].min() - 0.05, xy[:, 0].max() + 0.05), ylim=(xy[:, 1].min() - 0.05, xy[:, 1].max() + 0.05))
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=13)
    return coll, borders


def _sids_1974():
    data = load("nc_sids")
    return data, eb_rates(data["SID74"], data["BIR74"], names=data["county"])


def smoothed(rates, sigma_b2: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Weights and smoothed rates (per 1,000) of ``rates`` (an :class:`~blupteach.EBRates`) at σ_b² in (per 1,000)².

    :math:`w_i = n_i\sigma_b^2/(n_i\sigma_b^2 + m)` and :math:`m + w_i(r_i - m)`, with the variances
    turned back to per-birth units (σ_b² / 1000²) for :func:`blupteach.shrinkage_weight`.
    """
    t = rates.table
    n = t["population"].to_numpy()
    s2 = sigma_b2 / PER**2
    w = shrinkage_weight(n, s2, rates.m)
    return w, PER * partial_pooling(t["rate"].to_numpy(), n, rates.m, s2, rates.m)


def risk_map_panel(**initial) -> Panel:
    """Build the lesson-08 panel: raw and smoothed SIDS maps, one slider σ_b² (keyword ``sigma_b2``)."""
    data, rates = _sids_1974()
    a = rates.a * PER**2                                     # Marshall's estimate, (per 1,000)²
    spec = {"sigma_b2": Slider(a / SPAN, a * SPAN, a, scale="log", step=0.03,
                               label=r"between-county $\sigma_b^2$ (per 1,000)$^2$")}
    rings, owner, _ = county_rings(load_counties())
    n = rates.table["population"].to_numpy()
    raw = PER * rates.table["rate"].to_numpy()
    with building():
        fig, axes = new_figure(2, 2, figsize=(8.5, 4.9), height_ratios=[1.2, 1.0])
        ax_raw, ax_eb = axes[0]
        for ax in axes[1]:
            ax.remove()
        ax_w = fig.add_subplot(axes[0, 0].get_gridspec()[1, :])
        raw_map, _ = _map_axes(ax_raw, rings, owner, raw, r"raw rate $r_i = y_i/n_i$")
        eb_map, eb_borders = _map_axes(ax_eb, rings, owner, raw, r"smoothed $m + w_i(r_i - m)$")
        bar = fig.colorbar(raw_map, ax=[ax_raw, ax_eb], location="bottom", shrink=0.55, aspect=30, label=UNITS,
                           extend="max", ticks=[0, 1, CENTRE, 4, 6])
        bar.ax.set_xticklabels(["0", "1", f"m = {CENTRE:.2f}", "4", "6"])

        # headroom above w = 1 for the legend, so that no dot runs under it at any slider value
        ax_w.set(xscale="log", xlim=(200, 25_000), ylim=(-0.03, 1.34), yticks=[0, 0.25, 0.5, 0.75, 1],
                 xlabel="births 1974–78 $n_i$ (log scale)", ylabel="weight $w_i$")
        ax_w.set_title(r"$w_i = n_i\sigma_b^2 / (n_i\sigma_b^2 + m)$", loc="left", fontsize=13)
        w_marshall, _ = smoothed(rates, a)
        # drawn over the moving curve (green, as σ_b² = a in the funnel plot): seen at the default too
        ax_w.plot(BIRTHS_GRID, shrinkage_weight(BIRTHS_GRID, rates.a, rates.m), ls="--", lw=1.5, zorder=2.5,
                  color=COLORS["alt"], label="at Marshall's estimate")
        (curve,) = ax_w.plot([], [], color=COLORS["partial_pooling"], lw=2.5, label=r"at your $\sigma_b^2$")
        (dots,) = ax_w.plot(n, w_marshall, "o", ms=4.5, color=COLORS["partial_pooling"], zorder=3, label="a county")
        ax_w.legend(loc="upper left", ncols=3, frameon=False, fontsize=11, handletextpad=0.4, columnspacing=1.2)
        # above the axes, clear of every dot; a short moving value beside a static label (text is
        # the costly part of a move)
        ax_w.text(0.93, 1.02, "SD of the smoothed map:", transform=ax_w.transAxes, ha="right", va="bottom", fontsize=12)
        spread = ax_w.text(0.94, 1.02, "", transform=ax_w.transAxes, ha="left", va="bottom", fontsize=12)

    def draw(sigma_b2):
        w, eb = smoothed(rates, sigma_b2)
        eb_map.set_array(eb[owner])
        dots.set_data(n, w)
        curve.set_data(BIRTHS_GRID, shrinkage_weight(BIRTHS_GRID, sigma_b2 / PER**2, rates.m))
        spread.set_text(f"{eb.std():.2f}")

    def describe(sigma_b2):
        return (f"North Carolina SIDS rates per 1,000 births, 1974-78, raw and smoothed at σ_b² = {sigma_b2:.3g} "
                f"(per 1,000)² on one colour scale centred on the state rate {PER * rates.m:.2f}; the smoothed map's "
                f"SD is {spread.get_text()} per 1,000. Below, each county's weight w against births.")

    moving = [eb_map, eb_borders, curve, dots, spread]
    return Panel(fig, draw, spec, moving, name="risk_map", describe=describe, initial=initial)


def rate_births_figure(rates, *, label: int = 3):
    """Raw rate against births (log scale), a line to each smoothed rate; the ``label`` highest raw rates named.

    ``rates`` is an :class:`~blupteach.EBRates` (its table's index names the areas).  Returns ``(fig, ax)``.
    """
    t = rates.table
    n, raw, eb = t["population"].to_numpy(), PER * t["rate"].to_numpy(), PER * t["eb_rate"].to_numpy()
    with building():
        fig, ax = new_figure(figsize=(8.5, 4.4))
        ax.set(xscale="log", xlabel="births $n_i$ (log scale)", ylabel=UNITS, xlim=(BIRTHS_GRID[0], BIRTHS_GRID[-1]))
        ax.axhline(PER * rates.m, color=COLORS["complete_pooling"], lw=2, label=f"state rate m = {PER * rates.m:.2f}")
        set_arrows(arrows(ax, len(t), color=COLORS["partial_pooling"], lw=1.2, alpha=0.7), n, raw, n, eb)
        ax.scatter(n, raw, s=26, color=COLORS["no_pooling"], zorder=3, label="raw rate $r_i$")
        ax.scatter(n, eb, s=26, color=COLORS["partial_pooling"], zorder=4, label="smoothed (EB) rate")
        for i in np.argsort(raw)[::-1][:label]:
            ax.annotate(t.index[i], (n[i], raw[i]), xytext=(6, 0), textcoords="offset points", va="center",
                        fontsize=11, color=COLORS["highlight"])
        ax.legend(loc="upper right", frameon=False)
    describe(fig, f"{len(t)} counties' raw SIDS rates ({raw.min():.2f} to {raw.max():.2f} per 1,000) against births, "
                  f"each joined to its smoothed rate ({eb.min():.2f} to {eb.max():.2f}); the smallest counties move "
                  f"most toward the state rate {PER * rates.m:.2f}. {axes_text(fig)}")
    return fig, ax


def rate_funnel_figure(rates, *, level: float = 0.95, outer: float = OUTER):
    """Funnel plot of raw rates: the common-effect (σ_b² = 0) and the overdispersed (σ_b² = a) limits at ``level``.

    Limits from :func:`blupteach.funnel.funnel_limits` with μ = m and σ_ε² = m (Poisson variance per
    person), drawn per 1,000, lower limits cut at 0; the overdispersed limits also at ``outer``
    (dotted); areas outside the overdispersed limits at ``level`` are named.  Returns ``(fig, ax)``.
    """
    t = rates.table
    n, raw = t["population"].to_numpy(), PER * t["rate"].to_numpy()
    common = funnel_limits(BIRTHS_GRID, rates.m, rates.m, level=level)
    over = funnel_limits(BIRTHS_GRID, rates.m, rates.m, sigma_b2=rates.a, level=level)
    wide = funnel_limits(BIRTHS_GRID, rates.m, rates.m, sigma_b2=rates.a, level=outer)
    outside = outside_funnel(n, raw / PER, rates.m, rates.m, sigma_b2=rates.a, level=level)
    with building():
        fig, ax = new_figure(figsize=(8.5, 4.4))
        ax.set(xscale="log", xlabel="births $n_i$ (log scale)", ylabel=UNITS, xlim=(BIRTHS_GRID[0], BIRTHS_GRID[-1]))
        ax.axhline(PER * rates.m, color=COLORS["complete_pooling"], lw=2)
        pct = f"{100 * level:g}%"
        for lim, style, text in ((common, dict(color=COLORS["complete_pooling"], ls="--"), f"{pct}, every county alike"),
                                 (over, dict(color=COLORS["alt"], ls="-"), f"{pct}, counties differ ($\\sigma_b^2 = a$)"),
                                 (wide, dict(color=COLORS["alt"], ls=":"), f"{100 * outer:g}%, counties differ")):
            ax.plot(lim["n"], PER * lim["upper"], lw=2, label=text, **style)
            ax.plot(lim["n"], PER * lim["lower"].clip(lower=0), lw=2, **style)
        ax.scatter(n, raw, s=26, color=COLORS["no_pooling"], zorder=3, label="raw rate $r_i$")
        ax.scatter(n[outside], raw[outside], s=60, facecolor="none", edgecolor=COLORS["highlight"], lw=2, zorder=4,
                   label=f"outside the {pct} green limits")
        for i in np.flatnonzero(outside):
            ax.annotate(t.index[i], (n[i], raw[i]), xytext=(7, 0), textcoords="offset points", va="center",
                        fontsize=11, color=COLORS["highlight"])
        ax.legend(loc="upper right", frameon=False, fontsize=11)
    named = ", ".join(map(str, t.index[outside])) or "none"
    describe(fig, f"Funnel plot: {len(t)} counties' raw rates against births, with {pct} limits for every county alike "
                  f"and for counties that differ; outside the latter: {named}. {axes_text(fig)}")
    return fig, ax
