r"""Ridge regression as BLUP (lesson 03): the ridge path lands on the BLUPs at λ = σ_ε²/σ_b².

``penalized()``, live:

Left: each group's ridge estimate :math:`\hat b_i(\lambda)` along the path
(minimising ‖y − Xβ − Zb‖² + λ‖b‖², β unpenalised); a vertical line at the
slider's λ, dots where it cuts the path, and stars at the BLUPs from
Henderson's equations with G = σ_b²I, R = σ_ε²I, placed at λ = σ_ε²/σ_b².
Right: each group's own mean, its ridge prediction at λ and its BLUP.  Moving
λ onto σ_ε²/σ_b² makes dots and stars coincide; the variance sliders move the stars.

``cv_figure(cv, lam_reml)`` and ``bias_variance_figure(table, lam_blup)``, static: choosing λ
by cross-validation beside REML's λ, and the bias–variance trade along λ.
"""

from __future__ import annotations

import numpy as np

from ..mixed.henderson import mme
from ..penalized import indicator_design, ridge_path
from ..accessible import axes_text, describe
from ..plots import COLORS, building, new_figure
from ..widgets import Panel, Slider

SPEC = {
    "lam": Slider(0.01, 1000.0, 1.0, scale="log", step=0.02, label=r"penalty $\lambda$"),
    "sigma_b2": Slider(0.5, 50.0, 4.0, scale="log", step=0.02, label=r"between $\sigma_b^2$",
                         words="between-group variance"),
    "sigma_e2": Slider(1.0, 100.0, 16.0, scale="log", step=0.02, label=r"noise $\sigma_\varepsilon^2$",
                         words="within-group noise variance"),
}

N_PER = np.array([1, 2, 3, 5, 8, 12, 20, 30])   # observations per group
LAM_GRID = np.geomspace(SPEC["lam"].min, SPEC["lam"].max, 240)


def eight_groups(seed: int = 3):
    """The panel's fixed data: 8 groups (n from 1 to 30), μ = 50, σ_b² = 4, σ_ε² = 16, seeded."""
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(N_PER.size), N_PER)
    y = 50.0 + rng.normal(0.0, 2.0, N_PER.size)[group] + rng.normal(0.0, 4.0, group.size)
    return group, y


def penalized(**initial) -> Panel:
    """Build the lesson-03 panel; keywords override the slider defaults (``lam``, ``sigma_b2``, ``sigma_e2``).

    Colours (``plots.COLORS``): own means orange (no pooling), β̂₀ grey (complete pooling),
    the ridge path and its dots at λ green (``alt``, a second method), the BLUPs blue stars
    (partial pooling).  One legend for both panels.
    """
    group, y = eight_groups()
    X, Z, _ = indicator_design(group)
    path = ridge_path(X, Z, y, LAM_GRID)
    means = np.bincount(group, y) / N_PER
    ypos = np.arange(N_PER.size)[::-1].astype(float)
    bmax = np.abs(path.b_hat).max() * 1.15
    ridge_c, blup_c = COLORS["alt"], COLORS["partial_pooling"]
    with building():
        fig, (ax_p, ax_g) = new_figure(1, 2, figsize=(8.5, 5.0), width_ratios=[1.15, 1.0])
        # -- left: the path (x limits a little past the slider's range: no half-clipped marker) --
        ax_p.set(xscale="log", xlim=(LAM_GRID[0] / 1.8, LAM_GRID[-1] * 1.8), ylim=(-bmax, bmax),
                 xlabel=r"penalty $\lambda$  (log scale)", ylabel=r"group effect $\hat b_i(\lambda)$",
                 title=r"ridge path $\hat b_i(\lambda)$")
        ax_p.axhline(0.0, color=COLORS["complete_pooling"], lw=1)
        last = -np.inf
        for i in np.argsort(path.b_hat[0]):
            ax_p.plot(LAM_GRID, path.b_hat[:, i], color=ridge_c, lw=1.3, alpha=0.6)
            if path.b_hat[0, i] - last > 0.12 * bmax:     # label a curve only where labels do not collide
                ax_p.text(LAM_GRID[0], path.b_hat[0, i], f"n={N_PER[i]}", fontsize=10, va="bottom")
                last = path.b_hat[0, i]
        lam_line = ax_p.axvline(1.0, color=ridge_c, lw=2)
        star_line = ax_p.axvline(1.0, color=blup_c, lw=1.5, ls="--")
        dots = ax_p.scatter(np.ones(N_PER.size), np.zeros(N_PER.size), s=40, color=ridge_c, zorder=3)
        stars = ax_p.scatter(np.ones(N_PER.size), np.zeros(N_PER.size), s=160, marker="*", zorder=4,
                             facecolor="none", edgecolor=blup_c, lw=1.6)
        readout = ax_p.text(0.98, 0.97, "", transform=ax_p.transAxes, fontsize=11, ha="right", va="top",
                            bbox=dict(fc="white", ec="0.7"))     # top right: where the paths have met at 0
        # -- right: predictions per group ----------------------------------------------
        lo, hi = means.min() - 1.5, means.max() + 1.5
        ax_g.set(xlim=(lo, hi), ylim=(-0.7, N_PER.size - 0.3), yticks=ypos,
                 yticklabels=[f"n = {n}" for n in N_PER], xlabel="predicted group mean",
                 title="per group")
        mu_line = ax_g.axvline(means.mean(), color=COLORS["complete_pooling"], lw=2)
        own = ax_g.scatter(means, ypos, s=70, color=COLORS["no_pooling"], zorder=3)
        ridge_pts = ax_g.scatter(means, ypos, s=55, color=ridge_c, zorder=4)
        blup_pts = ax_g.scatter(means, ypos, s=190, marker="*", facecolor="none", edgecolor=blup_c,
                                lw=1.6, zorder=5)
        handles = [own, mu_line, (ridge_pts, lam_line), (blup_pts, star_line)]
        labels = [r"own mean $\bar y_i$", r"$\hat\beta_0$ (complete pooling)", r"ridge at your $\lambda$",
                  r"BLUP, at $\lambda=\sigma_\varepsilon^2/\sigma_b^2$"]
        fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False, fontsize=11)

    def draw(lam, sigma_b2, sigma_e2):
        p = ridge_path(X, Z, y, [lam])
        b_lam, beta_lam = p.b_hat[0], p.beta_hat[0]
        h = mme(X, Z, sigma_b2, sigma_e2, y)               # Henderson's equations, independently
        lam_star = sigma_e2 / sigma_b2
        lam_line.set_xdata([lam, lam])
        star_line.set_xdata([lam_star, lam_star])
        dots.set_offsets(np.column_stack([np.full(N_PER.size, lam), b_lam]))
        stars.set_offsets(np.column_stack([np.full(N_PER.size, lam_star), h.b_hat]))
        mu_line.set_xdata([beta_lam[0], beta_lam[0]])
        ridge_pts.set_offsets(np.column_stack([beta_lam[0] + b_lam, ypos]))
        blup_pts.set_offsets(np.column_stack([h.beta_hat[0] + h.b_hat, ypos]))
        gap = np.abs(b_lam - h.b_hat).max()
        readout.set_text(f"λ = {lam:.4g}\nσ_ε²/σ_b² = {lam_star:.3g}\nmax |ridge − BLUP|\n    = {gap:.2g}")

    def describe(lam, sigma_b2, sigma_e2):
        gap = readout.get_text().split("=")[-1].strip()
        return (f"The ridge solution path of the group effects against the penalty λ, marked at your λ = {lam:g} "
                f"and at λ = σ_ε²/σ_b² = {sigma_e2 / sigma_b2:.3g} (σ_b² = {sigma_b2:g}, σ_ε² = {sigma_e2:g}), "
                f"where it lands on the BLUPs; largest gap between ridge and BLUP now {gap}. Right: own means, "
                f"ridge estimates and BLUPs per group.")

    moving = [lam_line, star_line, dots, stars, mu_line, ridge_pts, blup_pts, readout]
    return Panel(fig, draw, SPEC, moving, name="penalized", describe=describe, initial=initial)


def cv_figure(cv, lam_reml: float, *, title: str = "choosing λ from the data"):
    """Static figure: cross-validated error against λ with paired one-SE bars, the band, CV's and REML's λ.

    ``cv`` is a :class:`blupteach.penalized.CVResult`.  Bars are ±``cv.diff_se`` (the standard
    error of the difference from the best λ, paired within folds); the shaded span is
    ``cv.one_se_band()``.  λ = 0 (no pooling) and λ = ∞ (complete pooling), which a log axis
    cannot show, are drawn as horizontal lines when the grid holds them.  Returns ``(fig, ax)``.
    """
    lam, mse, se = (np.asarray(a, float) for a in (cv.lam, cv.cv_mse, cv.diff_se))
    band = np.asarray(cv.one_se_band())
    on_axis = (lam > 0) & np.isfinite(lam)
    cv_c = COLORS["alt"]
    with building():
        fig, ax = new_figure(figsize=(8.5, 5.2))
        inside = lam[on_axis & band]
        if inside.size:
            ax.axvspan(inside.min(), inside.max(), color=cv_c, alpha=0.15, lw=0,
                       label="within one paired SE of the best")
        ax.errorbar(lam[on_axis], mse[on_axis], yerr=se[on_axis], color=cv_c, lw=2, elinewidth=1,
                    capsize=0, label="10-fold CV error ± paired SE")
        ax.axhline(mse.min(), color=cv_c, lw=1, ls=":")
        ax.axvline(cv.lam_cv, color=cv_c, lw=2, ls=":", label=f"CV choice λ = {cv.lam_cv:.3g}")
        ax.axvline(lam_reml, color=COLORS["partial_pooling"], lw=2, ls="--",
                   label=rf"REML $\hat\sigma_\varepsilon^2/\hat\sigma_b^2$ = {lam_reml:.3g}")
        for where, key, text in ((lam == 0, "no_pooling", "λ = 0 (no pooling)"),
                                 (np.isinf(lam), "complete_pooling", "λ = ∞ (complete pooling)")):
            if where.any():
                ax.axhline(mse[where][0], color=COLORS[key], lw=2, ls="-.", label=text)
        ax.set(xscale="log", xlabel=r"penalty $\lambda$ (log scale)", ylabel="held-out mean squared error",
               title=title)
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, frameon=False, fontsize=11)
    describe(fig, f"Cross-validated error against λ, lowest {mse.min():.3g}; cross-validation picks λ = {cv.lam_cv:.3g}, "
                  f"REML λ = {lam_reml:.3g}. {axes_text(fig)}")
    return fig, ax


def bias_variance_figure(table, lam_blup: float):
    """Static figure: bias², variance and MSE (columns of ``table``) against λ, the BLUP's λ marked.

    The three curves are one colour (black: what the simulation knows) told apart by line
    style; λ = 0 (no pooling, orange) and λ = ∞ (complete pooling, grey), which a log axis
    cannot show, are horizontal lines at their MSE when the table holds them.  Returns ``(fig, ax)``.
    """
    lam = table["lam"].to_numpy(dtype=float)
    mse = table["mse"].to_numpy()
    keep = (lam > 0) & np.isfinite(lam)
    with building():
        fig, ax = new_figure(figsize=(8.5, 5.0))
        for col, ls, lw, label in (("bias2", "--", 2.0, "bias²"), ("variance", ":", 2.5, "variance"),
                                   ("mse", "-", 3.0, "MSE")):
            ax.plot(lam[keep], table[col].to_numpy()[keep], color=COLORS["truth"], ls=ls, lw=lw, label=label)
        for where, key, text in ((lam == 0, "no_pooling", "MSE at λ = 0 (no pooling)"),
                                 (np.isinf(lam), "complete_pooling", "MSE at λ = ∞ (complete pooling)")):
            if where.any():
                ax.axhline(mse[where][0], color=COLORS[key], lw=2, ls="-.", label=text)
        ax.axvline(lam_blup, color=COLORS["partial_pooling"], lw=2, ls="--",
                   label=r"BLUP: $\lambda=\sigma_\varepsilon^2/\sigma_b^2$")
        ax.set(xscale="log", xlabel=r"penalty $\lambda$ (log scale)", ylabel="per group, averaged",
               title="the bias–variance trade")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False, fontsize=11)
    best = lam[keep][np.argmin(mse[keep])]
    describe(fig, f"Bias² rising and variance falling with λ; their sum, the MSE, is lowest ({mse[keep].min():.3g}) "
                  f"near λ = {best:.3g}, the BLUP's λ = {lam_blup:.3g}. {axes_text(fig)}")
    return fig, ax
