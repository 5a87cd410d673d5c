r"""Shrinkage in two dimensions (lesson 07): intercepts and slopes pulled together, static figures.

``shrinkage_2d_figure``: each individual's own least-squares (intercept, slope) in orange, its
BLUP in blue, an arrow from one to the other, over the contours (grey: the population) of the
fitted normal distribution of the true lines N(β̂, Σ̂); a dotted grey line from the own line straight to the centre
β̂ shows where a one-dimensional pull would go.  The axes are scaled so that one standard
deviation of each random effect has the same length on screen, the units in which
:func:`blupteach.shrinkage_angle` measures the bend.

``subject_lines_figure``: one small panel per individual, its readings with complete- (grey),
no- (orange) and partial-pooling (blue) lines; an individual with one reading has no orange line.
"""

from __future__ import annotations

import numpy as np

from ..accessible import axes_text, describe
from ..plots import COLORS, building, new_figure
from ..shrinkage_2d import own_lines

#: Contour levels of the fitted normal distribution of the lines.
LEVELS = (0.5, 0.95)


def ellipse(centre, Sigma, level: float, points: int = 200) -> np.ndarray:
    """Points (points, 2) of the ``level`` contour of N(centre, Sigma): r² = −2 log(1 − level)."""
    evals, evecs = np.linalg.eigh(np.asarray(Sigma, float))
    r = np.sqrt(-2 * np.log1p(-level))
    a = np.linspace(0, 2 * np.pi, points)
    circle = np.column_stack([np.cos(a), np.sin(a)]) * np.sqrt(np.clip(evals, 0, None)) * r
    return np.asarray(centre, float) + circle @ evecs.T


def shrinkage_2d_figure(own, blup, centre, Sigma, *, labels=None, marked=(), xlabel="intercept",
                        ylabel="slope", figsize=(8.5, 6.4)):
    """Return ``(fig, ax)``: arrows from own lines (orange) to BLUPs (blue) over the fitted ellipses.

    Parameters
    ----------
    own, blup : array_like (g, 2)
        Own least-squares lines and BLUP lines (intercept, slope).
    centre : array_like (2,)
        β̂, the population line.
    Sigma : array_like (2, 2)
        Σ̂, the covariance of the random effects (``fit.varcorr[group]``).
    labels : sequence of str, optional
        A name per individual, written beside those in ``marked``.
    marked : sequence of int
        Positions of individuals to label.
    """
    own, blup, centre, Sigma = (np.asarray(v, float) for v in (own, blup, centre, Sigma))
    sd = np.sqrt(np.diag(Sigma))
    fig, ax = new_figure(figsize=figsize)
    with building():
        for level, ls in zip(LEVELS, ("-", "--")):
            e = ellipse(centre, Sigma, level)
            ax.plot(e[:, 0], e[:, 1], color=COLORS["complete_pooling"], lw=1.4, ls=ls,
                    label=f"{level:.0%} contour of N($\\hat\\beta$, $\\hat\\Sigma$)")
        for o in own:
            ax.plot([o[0], centre[0]], [o[1], centre[1]], ":", color=COLORS["complete_pooling"], lw=1.2, zorder=1)
        for o, b in zip(own, blup):
            ax.annotate("", xy=b, xytext=o, zorder=3,
                        arrowprops=dict(arrowstyle="->", color="0.25", lw=1.3, shrinkA=3, shrinkB=3))
        ax.scatter(*own.T, s=50, color=COLORS["no_pooling"], edgecolor="black", lw=0.5, zorder=4,
                   label="own least-squares line")
        ax.scatter(*blup.T, s=50, marker="D", color=COLORS["partial_pooling"], edgecolor="black", lw=0.5,
                   zorder=5, label="BLUP (partial pooling)")
        ax.plot(*centre, "P", ms=13, color=COLORS["complete_pooling"], mec="black", zorder=6,
                label=r"population line $\hat\beta$")
        ax.plot([], [], ":", color=COLORS["complete_pooling"], label="straight to the centre")
        for i in marked:
            ax.annotate(str(labels[i]), own[i], xytext=(6, 6), textcoords="offset points", fontsize=12,
                        color="black", fontweight="bold")
        ax.set_aspect(sd[0] / sd[1])                 # one SD of each effect is as long on screen
        ax.set(xlabel=xlabel, ylabel=ylabel)
        fig.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=11)
    describe(fig, f"{len(own)} individuals' own lines ({xlabel}, {ylabel}) with arrows to their BLUPs, which follow "
                  f"the fitted covariance ellipses around the population line ({centre[0]:.3g}, {centre[1]:.3g}) "
                  f"rather than running straight to it. {axes_text(fig)}")
    return fig, ax


def subject_lines_figure(fit, data, *, t: str, group: str, ncols: int = 5, figsize=(8.5, 8.2)):
    """Return ``(fig, axes)``: per individual, its readings and the three pooling lines.

    Complete pooling is ``fit.fixef``; partial pooling ``fit.fixef`` + ``fit.conditional_ranef``
    of the individual's rows of ``data`` (at the fit's variances: its ``ranef`` for an individual
    in the fit, the BLUP of a new one from its readings alone); no pooling is
    :func:`blupteach.own_lines`, absent for an individual with a single reading.
    """
    y = fit.design.parsed.response
    levels = list(dict.fromkeys(data[group]))
    own = own_lines(data[y], data[t], data[group].astype(str))
    b = fit.conditional_ranef(data)[group]
    beta = fit.fixef.to_numpy()
    nrows = -(-len(levels) // ncols)
    grid = np.array([data[t].min(), data[t].max()], float)
    with building():
        fig, axes = new_figure(nrows, ncols, figsize=figsize, sharex=True, sharey=True)
        for ax, s in zip(axes.flat, levels):
            rows = data[data[group] == s]
            ax.plot(grid, beta[0] + beta[1] * grid, color=COLORS["complete_pooling"], lw=2)
            o = own.loc[str(s)]
            if o["n"] >= 2:
                ax.plot(grid, o["intercept"] + o["slope"] * grid, color=COLORS["no_pooling"], lw=1.8)
            c = beta + b.loc[s].to_numpy()
            ax.plot(grid, c[0] + c[1] * grid, color=COLORS["partial_pooling"], lw=2)
            ax.scatter(rows[t], rows[y], s=12, color="black", zorder=3)
            ax.set_title(f"{s}" + (f" ({len(rows)} day{'s' * (len(rows) > 1)})" if len(rows) < 3 else ""),
                         fontsize=11, pad=2)
            ax.tick_params(labelsize=11)
        for ax in axes.flat[len(levels):]:
            ax.set_visible(False)
        fig.supxlabel(t, fontsize=13)
        fig.supylabel(y, fontsize=13)
        handles = [ax.plot([], [], color=COLORS[k], lw=2)[0] for k in ("complete_pooling", "no_pooling",
                                                                      "partial_pooling")]
        fig.legend(handles, ["complete pooling", "no pooling (own line)", "partial pooling (BLUP)"],
                   loc="outside upper center", ncols=3, frameon=False, fontsize=12)
    describe(fig, f"One small plot per individual ({len(levels)}: {', '.join(map(str, levels[:3]))}, …): readings of "
                  f"{y} against {t} with the complete-pooling, own and partial-pooling (BLUP) lines. {axes_text(fig)}")
    return fig, axes
