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
from ..plots import COLORS, building, new_figure
from ..widgets import Panel, Slider

SPEC = {
    "lam": Slider(0.01, 1000.0, 1.0, scale="log", step=0.02, label=r"penalty $\lambda$"),
    "sigma_b2": Slider(0.5, 50.0, 4.0, scale="log", step=0.02, label=r"between $\sigma_b^2$"),
    "sigma_e2": Slider(1.0, 100.0, 16.0, scale="log", step=0.02, label=r"noise $\sigma_\varepsilon^2$"),
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
    """Build the lesson-03 panel; keywords override the slider defaults (``lam``, ``sigma_b2``, ``sigma_e2``)."""
    group, y = eight_groups()
    X, Z, _ = indicator_design(group)
    path = ridge_path(X, Z, y, LAM_GRID)
    means = np.bincount(group, y) / N_PER
    ypos = np.arange(N_PER.size)[::-1].astype(float)
    bmax = np.abs(path.b_hat).max() * 1.15
    with building():
        fig, (ax_p, ax_g) = new_figure(1, 2, figsize=(10.0, 4.8), width_ratios=[1.2, 1.0])
        # -- left: the path ------------------------------------------------------
        ax_p.set(xscale="log", xlim=(LAM_GRID[0], LAM_GRID[-1]), ylim=(-bmax, bmax),
                 xlabel=r"penalty $\lambda$  (log scale)", ylabel=r"group effect $\hat b_i(\lambda)$",
                 title=r"ridge path: $\min\ \|y-X\beta-Zb\|^2+\lambda\|b\|^2$")
        ax_p.axhline(0.0, color=COLORS["complete_pooling"], lw=1)
        last = -np.inf
        for i in np.argsort(path.b_hat[0]):
            ax_p.plot(LAM_GRID, path.b_hat[:, i], color=COLORS["partial_pooling"], lw=1.4, alpha=0.75)
            if path.b_hat[0, i] - last > 0.12 * bmax:     # label a curve only where labels do not collide
                ax_p.text(LAM_GRID[0] * 1.1, path.b_hat[0, i], f"n={N_PER[i]}", fontsize=10, va="bottom")
                last = path.b_hat[0, i]
        lam_line = ax_p.axvline(1.0, color=COLORS["partial_pooling"], lw=2)
        star_line = ax_p.axvline(1.0, color=COLORS["highlight"], lw=1.5, ls="--")
        dots = ax_p.scatter(np.ones(N_PER.size), np.zeros(N_PER.size), s=45, color=COLORS["partial_pooling"],
                            zorder=3, label=r"ridge at $\lambda$")
        stars = ax_p.scatter(np.ones(N_PER.size), np.zeros(N_PER.size), s=170, marker="*", zorder=4,
                             facecolor="none", edgecolor=COLORS["highlight"], lw=1.6,
                             label=r"BLUP, at $\lambda=\sigma_\varepsilon^2/\sigma_b^2$")
        ax_p.legend(loc="upper right", frameon=False, fontsize=11)
        readout = ax_p.text(0.98, 0.03, "", transform=ax_p.transAxes, fontsize=12, ha="right",
                            bbox=dict(fc="white", ec="0.7"))
        # -- right: predictions per group ----------------------------------------------
        lo, hi = means.min() - 1.5, means.max() + 1.5
        ax_g.set(xlim=(lo, hi), ylim=(-0.7, N_PER.size - 0.3), yticks=ypos,
                 yticklabels=[f"n = {n}" for n in N_PER], xlabel="predicted group mean",
                 title="own mean, ridge and BLUP")
        mu_line = ax_g.axvline(means.mean(), color=COLORS["complete_pooling"], lw=2, label=r"$\hat\beta_0$")
        ax_g.scatter(means, ypos, s=70, color=COLORS["no_pooling"], zorder=3, label=r"own mean $\bar y_i$")
        ridge_pts = ax_g.scatter(means, ypos, s=60, color=COLORS["partial_pooling"], zorder=4, label=r"ridge at $\lambda$")
        blup_pts = ax_g.scatter(means, ypos, s=200, marker="*", facecolor="none", edgecolor=COLORS["highlight"],
                                lw=1.6, zorder=5, label="BLUP")
        ax_g.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, frameon=False, fontsize=11)

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
        readout.set_text(f"λ = {lam:.3g}    σ_ε²/σ_b² = {lam_star:.3g}\nmax |ridge − BLUP| = {gap:.2g}")

    moving = [lam_line, star_line, dots, stars, mu_line, ridge_pts, blup_pts, readout]
    return Panel(fig, draw, SPEC, moving, name="penalized", initial=initial)


def cv_figure(cv, lam_reml: float, *, title: str = "choosing λ from the data"):
    """Static figure: cross-validated error against λ, the CV choice and the REML λ marked.

    ``cv`` is a :class:`blupteach.penalized.CVResult`; returns ``(fig, ax)``.
    """
    with building():
        fig, ax = new_figure(figsize=(8.5, 4.2))
        ax.plot(cv.lam, cv.cv_mse, color=COLORS["partial_pooling"], lw=2.5, label="10-fold CV error")
        ax.axvline(cv.lam_cv, color=COLORS["alt"], lw=2, ls=":", label=f"CV choice λ = {cv.lam_cv:.3g}")
        ax.axvline(lam_reml, color=COLORS["highlight"], lw=2, ls="--",
                   label=rf"REML $\hat\sigma_\varepsilon^2/\hat\sigma_b^2$ = {lam_reml:.3g}")
        ax.set(xscale="log", xlabel=r"penalty $\lambda$ (log scale)", ylabel="held-out mean squared error",
               title=title)
        ax.legend(frameon=False)
    return fig, ax


def bias_variance_figure(table, lam_blup: float):
    """Static figure: bias², variance and MSE (columns of ``table``) against λ, the BLUP's λ marked."""
    with building():
        fig, ax = new_figure(figsize=(8.5, 4.2))
        lam = table["lam"].to_numpy()
        keep = lam > 0
        for col, color, label in (("bias2", COLORS["no_pooling"], "bias²"),
                                  ("variance", COLORS["alt"], "variance"),
                                  ("mse", COLORS["partial_pooling"], "MSE = bias² + variance")):
            ax.plot(lam[keep], table[col].to_numpy()[keep], color=color, lw=2.5, label=label)
        ax.axvline(lam_blup, color=COLORS["highlight"], lw=2, ls="--", label=r"BLUP: $\sigma_\varepsilon^2/\sigma_b^2$")
        ax.set(xscale="log", xlabel=r"penalty $\lambda$ (log scale)", ylabel="per group, averaged",
               title="the bias–variance trade")
        ax.legend(frameon=False)
    return fig, ax
