r"""A group-level predictor (lesson 03): shrinkage toward a regression line instead of a constant.

``group_predictor_figure(fit_without, fit_with, data, ...)``, static, two panels over the
group-level predictor u (radon: the county's log uranium):

Left, the model ``y ~ x + (1 | g)``: each group's covariate-adjusted own mean
:math:`\bar y_i - \bar x_i'\hat\beta_x` (orange), its BLUP :math:`\hat\beta_0 + \hat b_i`
(blue), pulled toward one constant :math:`\hat\beta_0` (grey).
Right, ``y ~ x + u + (1 | g)``: the same, pulled toward the line
:math:`\hat\beta_0 + \hat\beta_u u_i` (grey).  Thin grey segments join own mean and BLUP.
Both at x = 0 (radon: a basement reading).
"""

from __future__ import annotations

import numpy as np

from ..accessible import axes_text, describe
from ..plots import COLORS, building, new_figure


def _adjusted_means(fit, data, *, y, group, u, covariates):
    """Per group: n, u, covariate-adjusted own mean, target (line or constant) and BLUP (basement)."""
    fe = fit.fixef
    adj = data[y] - sum(fe[c] * data[c] for c in covariates)          # remove the covariates' fitted effect
    per = data.assign(_adj=adj).groupby(group).agg(n=(y, "size"), u=(u, "first"), own=("_adj", "mean"))
    target = fe["(Intercept)"] + (fe[u] * per["u"] if u in fe.index else 0.0)
    b = fit.ranef[group].loc[per.index, "(Intercept)"]
    return per, np.asarray(target, float) * np.ones(len(per)), (target + b).to_numpy(float)


def group_predictor_figure(fit_without, fit_with, data, *, y: str = "log_radon", group: str = "county",
                           u: str = "log_uranium", covariates=("floor",), u_label: str = "uranium"):
    """Static figure: BLUPs shrink toward a constant (left) and toward a line in ``u`` (right).

    ``fit_without`` and ``fit_with`` are ``bt.fit_lmm`` fits of ``y ~ covariates + (1 | group)``
    and ``y ~ covariates + u + (1 | group)`` on ``data``; ``u`` is constant within each group.
    Returns ``(fig, axes)``.
    """
    with building():
        fig, axes = new_figure(1, 2, figsize=(8.5, 4.6), sharey=True)
        for ax, fit, title in ((axes[0], fit_without, f"without {u_label}: toward a constant"),
                               (axes[1], fit_with, f"with {u_label}: toward a line")):
            per, target, pred = _adjusted_means(fit, data, y=y, group=group, u=u, covariates=covariates)
            size = 12 + 4 * np.sqrt(per["n"].to_numpy())
            order = np.argsort(per["u"].to_numpy())
            ax.vlines(per["u"], per["own"], pred, color=COLORS["complete_pooling"], lw=0.8, alpha=0.7)
            ax.scatter(per["u"], per["own"], s=size, color=COLORS["no_pooling"], alpha=0.8, lw=0,
                       label="own mean (floor-adjusted); size ∝ √n")
            ax.plot(per["u"].to_numpy()[order], target[order], color=COLORS["complete_pooling"], lw=2.5,
                    label="what the BLUPs shrink toward")
            ax.scatter(per["u"], pred, s=22, color=COLORS["partial_pooling"], zorder=3, label="BLUP")
            sb2 = fit.varcorr[group].iat[0, 0]
            ax.set(title=title, xlabel=f"county {u.replace('_', ' ')}")
            ax.text(0.03, 0.97, rf"$\hat\sigma_b^2$ = {sb2:.3f}", transform=ax.transAxes, va="top", fontsize=12)
        axes[0].set_ylabel(f"{y.replace('_', ' ')}, basement")
        fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False,
                   fontsize=10.5)
    sb2 = [float(next(iter(f.varcorr.values())).iat[0, 0]) for f in (fit_without, fit_with)]
    describe(fig, f"County BLUPs of {y} against {u_label}: left, without {u_label}, shrunk toward a constant "
                  f"(σ_b² = {sb2[0]:.3f}); right, with {u_label}, toward a line (σ_b² = {sb2[1]:.3f}). {axes_text(fig)}")
    return fig, axes
