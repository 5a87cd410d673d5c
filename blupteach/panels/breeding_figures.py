r"""Lesson 09 panel: heritability moves the breeding values and their accuracies.

A simulated herd (:func:`blupteach.simulate_pedigree`, :func:`blupteach.simulate_herd_records`)
with a trait recorded on cows only, as milk yield is: cows have their own record, bulls get
their value from their daughters' records, young animals (no record of their own or of their
offspring: calves, and the youngest bulls whose daughters are calves) from their parents' and
other relatives'.  The phenotypic variance :math:`\sigma_p^2 = \sigma_a^2 + \sigma_\varepsilon^2` is
fixed and the slider sets :math:`h^2 = \sigma_a^2/\sigma_p^2`; the herd's standard normals stay
the same (one seed), so a move rescales the same animals.

Left: predicted against true breeding value in units of :math:`\sigma_a` (so the animals keep
their places across the slider and only the predictions move), one marker shape per group (all
are BLUPs: one colour).
Right: each group's mean accuracy :math:`\sqrt{1 - \mathrm{PEV}/((1+F)\sigma_a^2)}` (the
model's promise, lines) and what it delivered (dots): for each animal, the correlation of â
with the simulated a across ``REPS`` replicate herds on the same pedigree
(:func:`blupteach.simulate_herd_replicates`, seeds ``seed``, ``seed + 1``, ...), averaged over
the group's animals, against :math:`h^2`; markers show the current value.  (A correlation
across the animals of one herd would be noisy: the lesson's herd has only 6 bulls.)

Everything is solved when the panel is built, by :func:`blupteach.animal_model` at every
value of the slider's grid (a move only picks a grid point and moves markers).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from matplotlib.lines import Line2D

from ..breeding import animal_model
from ..plots import COLORS, building, new_figure, readout
from ..simulate import simulate_herd_records, simulate_herd_replicates, simulate_pedigree
from ..widgets import Panel, Slider

H2_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)
SPEC = {"h2": Slider(0.05, 0.95, 0.3, step=0.05, label=r"heritability $h^2 = \sigma_a^2/\sigma_p^2$")}

#: The lesson's herd: 4 generations of 60, 3 sires a generation, σ_p² = 60 (Mrode's 20 + 40).
HERD = {"generations": 4, "per_generation": 60, "sires": 3}
SIGMA_P2 = 60.0
SEED = 9
REPS = 100                        # replicate herds behind each delivered-accuracy dot
BLUP = COLORS["partial_pooling"]  # every group's prediction is a BLUP: one colour, one shape per group
GROUPS = {                        # label, marker, line style, marker size (points²)
    "cows": ("cow: own record", "o", "-", 16),
    "bulls": ("bull: daughters' records", "s", "--", 60),
    "young": ("young: no own or offspring record", "^", ":", 20),
}


def dairy_recorded(generations: int, per_generation: int) -> np.ndarray:
    """Which animals of :func:`simulate_pedigree`'s herd have a record: females, all but the last generation."""
    gen = np.repeat(np.arange(generations), per_generation)
    female = np.tile(np.arange(per_generation) % 2 == 1, generations)
    return female & (gen < generations - 1)


def herd_groups(sire, dam, recorded) -> dict:
    """Boolean masks: cows (a record); bulls (no record, recorded offspring); young (no record, none of
    their offspring recorded, a parent known).  Founders with neither records nor offspring are in none."""
    sire, dam, recorded = np.asarray(sire), np.asarray(dam), np.asarray(recorded, dtype=bool)
    ids = np.arange(1, sire.size + 1)
    has_recorded_offspring = np.isin(ids, sire[recorded]) | np.isin(ids, dam[recorded])
    return {"cows": recorded, "bulls": ~recorded & has_recorded_offspring,
            "young": ~recorded & ~has_recorded_offspring & ((sire > 0) | (dam > 0))}


@lru_cache(maxsize=4)
def _solve_grid(sire: tuple, dam: tuple, recorded: tuple, sigma_p2: float, seed: int):
    """True and predicted breeding values, accuracies and the across-herd correlation of â with a
    (one per animal, over ``REPS`` replicate herds) at every h² of the grid (pure, so cached)."""
    truth, bv, acc, delivered = [], [], [], []
    seeds = seed + np.arange(REPS)
    for h2 in H2_GRID:
        sigma_a2, sigma_e2 = h2 * sigma_p2, (1 - h2) * sigma_p2
        herd = simulate_herd_records(sire, dam, sigma_a2=sigma_a2, sigma_e2=sigma_e2,
                                     recorded=np.array(recorded), seed=seed)
        a, Y = simulate_herd_replicates(sire, dam, sigma_a2=sigma_a2, sigma_e2=sigma_e2,
                                        recorded=np.array(recorded), seeds=seeds)
        am = animal_model(herd.records, "y ~ 1", herd.pedigree[["animal", "sire", "dam"]],
                          sigma_a2=sigma_a2, sigma_e2=sigma_e2, replicates=Y)
        truth.append(herd.pedigree["a"].to_numpy())
        bv.append(am.breeding_values["breeding_value"].to_numpy())
        acc.append(am.breeding_values["accuracy"].to_numpy())
        delivered.append(_across_herds(am.replicates, a))
    return np.array(truth), np.array(bv), np.array(acc), np.array(delivered)


def _across_herds(x, y) -> np.ndarray:
    """Per column (animal), the correlation over rows (herds); 0 where either does not vary."""
    x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    den = np.sqrt((x ** 2).sum(axis=0) * (y ** 2).sum(axis=0))
    return np.divide((x * y).sum(axis=0), den, out=np.zeros(x.shape[1]), where=den > 1e-12)


def breeding_grid(sire=None, dam=None, recorded=None, *, sigma_p2: float = SIGMA_P2, seed: int = SEED):
    """``(truth, bv, accuracy, delivered)``, arrays of shape (grid, animals), and the group masks, for the
    panel's herd (``delivered``: each animal's correlation of â with a across ``REPS`` replicate herds)."""
    if sire is None:
        sire, dam = simulate_pedigree(**HERD, seed=seed)
        recorded = dairy_recorded(HERD["generations"], HERD["per_generation"])
    sire, dam = np.asarray(sire, dtype=np.int64), np.asarray(dam, dtype=np.int64)
    recorded = np.asarray(recorded, dtype=bool)
    arrays = _solve_grid(tuple(sire.tolist()), tuple(dam.tolist()), tuple(recorded.tolist()), float(sigma_p2), seed)
    return arrays, herd_groups(sire, dam, recorded)


def breeding_values_panel(sire=None, dam=None, recorded=None, *, sigma_p2: float = SIGMA_P2, seed: int = SEED,
                          **initial) -> Panel:
    """Build the lesson-09 panel for a herd (default: the lesson's); keywords override the slider default (``h2``)."""
    (truth, bv, acc, delivered), groups = breeding_grid(sire, dam, recorded, sigma_p2=sigma_p2, seed=seed)
    mean_acc = {g: acc[:, m].mean(axis=1) for g, m in groups.items()}
    corr = {g: delivered[:, m].mean(axis=1) for g, m in groups.items()}
    sd_a = np.sqrt(H2_GRID * sigma_p2)[:, None]          # σ_a at each h²: plot in units of σ_a
    z_true, z_hat = truth / sd_a, bv / sd_a               # z_true is the same at every h² (one seed)
    shown = np.any(list(groups.values()), axis=0)
    top = 1.08 * max(np.abs(z_true[:, shown]).max(), np.abs(z_hat[:, shown]).max())
    with building():
        fig, (ax_s, ax_a) = new_figure(1, 2, figsize=(8.5, 4.6), width_ratios=[1.0, 1.0])
        ax_s.set(xlim=(-top, top), ylim=(-top, top), xlabel=r"true breeding value $a/\sigma_a$",
                 ylabel=r"predicted $\hat a/\sigma_a$ (BLUP)", title="predicted against true", aspect="equal")
        ax_s.plot([-top, top], [-top, top], color=COLORS["truth"], lw=1, ls="--")
        ax_s.text(0.5 * top, 0.85 * top, r"$\hat a = a$", ha="right", va="center", fontsize=11)
        ax_s.axhline(0, color=COLORS["complete_pooling"], lw=0.8)
        dots = {g: ax_s.scatter(np.zeros(0), np.zeros(0), s=size, marker=mk, color=BLUP, label=lab,
                                alpha=0.9 if g == "bulls" else 0.45, edgecolor="black" if g == "bulls" else "none",
                                linewidth=0.6, zorder=3 if g == "bulls" else 2)
                for g, (lab, mk, _, size) in GROUPS.items()}
        ax_a.set(xlim=(0, 1), ylim=(0, 1), xlabel="heritability $h^2$", ylabel="accuracy",
                 title="promised (line), delivered (dots)")
        for g, (_, mk, ls, _) in GROUPS.items():
            ax_a.plot(H2_GRID, mean_acc[g], color=BLUP, lw=2, ls=ls)
            ax_a.plot(H2_GRID, corr[g], mk, color=BLUP, mfc="white", ms=5)
        now = ax_a.axvline(0, color=COLORS["complete_pooling"], lw=1.2, ls=":")
        marks = ax_a.scatter(np.zeros(3), np.zeros(3), s=70, c=BLUP, edgecolor="black", zorder=4,
                             marker="D")
        values = readout(ax_a, 0.97, 0.03, ["mean accuracy, r:", *(f"{g} (n = {groups[g].sum()})" for g in GROUPS)],
                         ["", *["0.00, 0.00"] * len(GROUPS)], ha="right", fontsize=11)
        handles = [Line2D([], [], color=BLUP, marker=mk, ls=ls, ms=7, label=lab) for lab, mk, ls, _ in GROUPS.values()]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=11)

    def draw(h2):
        k = int(np.argmin(np.abs(H2_GRID - h2)))
        for g, m in groups.items():
            dots[g].set_offsets(np.column_stack([z_true[k, m], z_hat[k, m]]))
        now.set_xdata([H2_GRID[k]] * 2)
        marks.set_offsets(np.column_stack([[H2_GRID[k]] * 3, [mean_acc[g][k] for g in GROUPS]]))
        values.set_text("\n".join(["", *(f"{mean_acc[g][k]:.2f}, {corr[g][k]:.2f}" for g in GROUPS)]))

    def describe(h2):
        k = int(np.argmin(np.abs(H2_GRID - h2)))
        acc = ", ".join(f"{g} {mean_acc[g][k]:.2f}" for g in GROUPS)
        return (f"At heritability h² = {h2:g}: predicted against true breeding values of the simulated herd, "
                f"by group; right, mean accuracy against h² ({acc} at h² = {h2:g}).")

    moving = [*dots.values(), now, marks, values]
    return Panel(fig, draw, SPEC, moving, name="breeding_values", describe=describe, initial=initial)
