r"""Confounding by indication: what a mixed model can and cannot say about a drug (lesson 06).

The data (:func:`blupteach.simulate.simulate_treatment`):
:math:`y_{ij} = \mu + \delta\,T_{ij} - \gamma\,s_i + \varepsilon_{ij}`, patients i with a
sickness :math:`s_i \sim N(0, 1)` that lowers every outcome, on (:math:`T_{ij} = 1`) or off
the drug at visit j; the drug's true effect is :math:`\delta \ge 0`.  The analyst sees
``patient``, ``treated`` and ``y``, never :math:`s_i`.  Two analyses, both by
:func:`blupteach.fit_lmm`:

* **between** (``"y ~ treated + (1 | patient)"``): with the treatment constant within a
  patient, :math:`\hat\beta` compares treated with untreated *patients*.  When the doctor
  gives the drug to the sicker, :math:`P(T_i = 1 \mid s_i) = \operatorname{logistic}(c\,s_i)`,
  the treated are sicker on average and, as the number of patients grows,

  .. math::

      \hat\beta \to \delta - \gamma\,\Delta(c), \qquad
      \Delta(c) = E[s \mid T = 1] - E[s \mid T = 0] = 4\,E[s \operatorname{logistic}(c\,s)]

  (:func:`sickness_gap`; :math:`E[\operatorname{logistic}(c\,s)] = 1/2` by symmetry): a
  negative "effect" for a drug that does no harm whenever :math:`\gamma\Delta(c) > \delta`.
  Randomising (c = 0) makes :math:`\Delta = 0`.
* **within** (``"y ~ treated + treated_share + (1 | patient)"``, with ``treated_share``
  :math:`\bar T_i` the patient's share of visits on the drug, Mundlak's device): the share
  absorbs every difference *between* patients in how much drug they had, and the
  coefficient of ``treated`` is exactly the within-patient comparison
  :math:`\sum_{ij}(T_{ij} - \bar T_i)(y_{ij} - \bar y_i) / \sum_{ij}(T_{ij} - \bar T_i)^2`.
  The sickness is the same at every visit of a patient, so it cancels.  The estimate is
  unbiased for :math:`\delta` in the on/off (crossover-like) design of
  :func:`blupteach.simulate.simulate_treatment` because, besides the fixed sickness, *which*
  visits are on the drug is chosen at random within each patient and the outcome has no
  time trend, period effect or carryover; the doctor may choose *how many* visits freely.
  A reason for treatment that changes from visit to visit breaks it.

The patients' BLUPs from ``"y ~ 1 + (1 | patient)"`` (:func:`patient_blups`) predict who
does badly, and the treated come out low, because they are the sick: a description, not
the drug's effect.

=============================  ====================  =======================================
symbol                         name                  meaning
=============================  ====================  =======================================
:math:`\delta`                 ``effect``            the drug's true effect
:math:`c`                      ``confounding``       how strongly sickness drives treatment
:math:`\gamma`                 ``sickness_effect``   outcome lost per unit of sickness
:math:`\Delta(c)`              ``sickness_gap``      treated minus untreated mean sickness
:math:`\hat\beta`              ``estimate``          the treatment coefficient, with ``se``
=============================  ====================  =======================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, special

from ._validation import check_choice, check_level, check_nonnegative, check_scalar, check_whole
from .mixed import fit_lmm
from .simulate import DESIGNS, simulate_treatment_studies

__all__ = ["ANALYSES", "DESIGN_ANALYSIS", "TreatmentEstimate", "treatment_effect", "patient_blups",
           "sickness_gap", "expected_between_estimate", "DesignStudy", "simulate_designs"]

#: The two analyses and their lme4 formulas.
ANALYSES = {"between": "y ~ treated + (1 | patient)",
            "within": "y ~ treated + treated_share + (1 | patient)"}

#: The analysis each design calls for (the on/off, crossover-like design is read within patients).
DESIGN_ANALYSIS = {"observational": "between", "randomised": "between", "crossover": "within"}


@dataclass(frozen=True)
class TreatmentEstimate:
    """The treatment coefficient of one fit, with its Wald interval.

    Attributes
    ----------
    estimate, se : float        :math:`\\hat\\beta` of ``treated`` and its standard error
    lower, upper : float        :math:`\\hat\\beta \\mp z\\,\\mathrm{se}` at ``level``
    level : float
    comparison : str            ``'between'`` or ``'within'``
    formula : str               what was fitted
    """

    estimate: float
    se: float
    lower: float
    upper: float
    level: float
    comparison: str
    formula: str


def _with_share(data) -> pd.DataFrame:
    """A checked copy of ``data`` with each patient's share of visits on the drug, ``treated_share``."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame with columns patient, treated, y; got {type(data).__name__}")
    missing = [c for c in ("patient", "treated", "y") if c not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {missing}; it needs patient, treated and y")
    treated = pd.to_numeric(data["treated"], errors="coerce")
    if not treated.isin([0, 1]).all():
        raise ValueError("treated must hold only 0 (off the drug) and 1 (on it)")
    if treated.nunique() < 2:
        raise ValueError("treated must hold both 0 and 1: with everyone on (or off) the drug there is nothing to compare")
    out = data[["patient", "treated", "y"]].copy()
    out["treated"] = treated.astype(float)
    out["treated_share"] = out.groupby("patient")["treated"].transform("mean")
    return out


def treatment_effect(data, *, comparison: str = "between", level: float = 0.95) -> TreatmentEstimate:
    r"""Return the treatment coefficient :math:`\hat\beta` of a random-intercept fit, with its interval.

    ``comparison='between'`` fits ``y ~ treated + (1 | patient)``; ``'within'`` fits
    ``y ~ treated + treated_share + (1 | patient)``, whose ``treated`` coefficient is the
    within-patient comparison :math:`\sum(T_{ij} - \bar T_i)(y_{ij} - \bar y_i)/\sum(T_{ij} - \bar T_i)^2`
    (module docstring); when every patient has the same share (a balanced crossover) the
    share is the intercept's and is left out.  Both by REML through :func:`blupteach.fit_lmm`; the interval is
    :math:`\hat\beta \pm z_{(1+\text{level})/2}\,\mathrm{se}`.

    Parameters
    ----------
    data : pandas.DataFrame
        Columns ``patient``, ``treated`` (0/1) and ``y``, one row per visit (not changed).
    comparison : {'between', 'within'}, keyword-only
    level : float in (0, 1), keyword-only

    Returns
    -------
    TreatmentEstimate

    Raises
    ------
    ValueError
        ``data`` not a DataFrame or missing a column; ``treated`` not 0/1, or all one value;
        ``'within'`` when no patient is seen both on and off the drug; a bad ``comparison``
        or ``level``; whatever :func:`blupteach.fit_lmm` refuses (NaN in ``y``, ...).

    Examples
    --------
    >>> import blupteach as bt
    >>> s = bt.simulate.simulate_treatment("crossover", patients=40, effect=1.0, seed=2)
    >>> round(treatment_effect(s.data, comparison="within").estimate, 2)
    1.09
    """
    comparison = check_choice(comparison, "comparison", tuple(ANALYSES))
    level = check_level(level)
    frame = _with_share(data)
    if comparison == "within" and not ((frame["treated_share"] > 0) & (frame["treated_share"] < 1)).any():
        raise ValueError("comparison='within' needs patients seen both on and off the drug; here every patient "
                         "is always on or always off (use comparison='between')")
    formula = ANALYSES[comparison]
    if comparison == "within" and frame["treated_share"].nunique() == 1:
        # a balanced crossover: every patient has the same share, which the intercept already
        # holds, so the plain model is the within comparison (and the share would be collinear)
        formula = ANALYSES["between"]
    fit = fit_lmm(formula, frame)
    est = float(fit.fixef["treated"])
    se = float(np.sqrt(fit.fixef_cov.loc["treated", "treated"]))
    z = float(special.ndtri(0.5 + level / 2))
    return TreatmentEstimate(estimate=est, se=se, lower=est - z * se, upper=est + z * se, level=level,
                             comparison=comparison, formula=formula)


def patient_blups(data) -> pd.DataFrame:
    r"""Each patient's BLUP :math:`\hat b_i` from ``y ~ 1 + (1 | patient)`` (no treatment term), with their treatment.

    Parameters
    ----------
    data : pandas.DataFrame
        Columns ``patient``, ``treated`` (0/1) and ``y`` (not changed).

    Returns
    -------
    pandas.DataFrame
        Indexed by patient: ``treated_share`` (share of visits on the drug) and ``blup``.

    Raises
    ------
    ValueError
        As :func:`treatment_effect` for ``data``.

    Examples
    --------
    >>> import blupteach as bt
    >>> s = bt.simulate.simulate_treatment("observational", patients=60, confounding=3.0, seed=4)
    >>> b = patient_blups(s.data)
    >>> bool(b.loc[b.treated_share == 1, "blup"].mean() < 0)    # the treated look bad: they are the sick
    True
    """
    frame = _with_share(data)
    fit = fit_lmm("y ~ 1 + (1 | patient)", frame)
    blup = fit.ranef["patient"]["(Intercept)"]
    share = frame.groupby("patient")["treated_share"].first()
    return pd.DataFrame({"treated_share": share.to_numpy(), "blup": blup.to_numpy()}, index=blup.index)


def sickness_gap(confounding) -> float:
    r"""Return :math:`\Delta(c) = E[s \mid T=1] - E[s \mid T=0]` for :math:`s \sim N(0,1)`, :math:`P(T=1 \mid s) = \operatorname{logistic}(c s)`.

    .. math::

        \Delta(c) = 4 \int_{-\infty}^{\infty} s\,\varphi(s)\,\operatorname{logistic}(c\,s)\,ds,

    since :math:`P(T = 1) = 1/2`; by numerical integration.  :math:`\Delta(0) = 0` and
    :math:`\Delta(c) \to 2E[s \mid s > 0] = 2\sqrt{2/\pi} \approx 1.596` as :math:`c \to \infty`
    (the treated are then exactly the patients with :math:`s > 0`).

    Raises
    ------
    ValueError
        ``confounding`` negative or not a finite number.

    Examples
    --------
    >>> sickness_gap(0.0), round(sickness_gap(1e6), 3)
    (0.0, 1.596)
    """
    c = check_nonnegative(confounding, "confounding")
    if c == 0:
        return 0.0
    phi = lambda s: np.exp(-0.5 * s * s) / np.sqrt(2 * np.pi)   # noqa: E731
    value, _ = integrate.quad(lambda s: s * phi(s) * special.expit(c * s), -np.inf, np.inf, epsabs=1e-12)
    return 4.0 * value


def expected_between_estimate(effect, confounding, *, sickness_effect: float = 1.0) -> float:
    r"""The large-study limit of the between-patient estimate in an observational study, :math:`\delta - \gamma\,\Delta(c)`.

    Examples
    --------
    >>> round(expected_between_estimate(0.0, 2.0), 3)     # a harmless drug looks harmful
    -1.211
    """
    effect, gamma = check_scalar(effect, "effect"), check_scalar(sickness_effect, "sickness_effect")
    return effect - gamma * sickness_gap(confounding)


@dataclass(frozen=True)
class DesignStudy:
    """Result of :func:`simulate_designs`: one treatment estimate per design and replicate study.

    Attributes
    ----------
    estimates, se : pandas.DataFrame (reps, designs)
        :math:`\\hat\\beta` and its standard error in each replicate.
    covered : pandas.DataFrame (reps, designs) of bool
        Whether the interval contained the true effect.
    treated_blup : pandas.Series (reps,) or None
        Observational design: the treated patients' mean BLUP from ``y ~ 1 + (1 | patient)``.
    effect : float
        The true effect :math:`\\delta`.
    settings : dict
    """

    estimates: pd.DataFrame
    se: pd.DataFrame
    covered: pd.DataFrame
    treated_blup: pd.Series | None
    effect: float
    settings: dict

    @property
    def summary(self) -> pd.DataFrame:
        """Per design: ``truth``, ``mean`` estimate, its simulation SE ``sim_se`` (sd/√reps), ``z`` = (mean − truth)/sim_se, ``coverage``."""
        reps = len(self.estimates)
        mean = self.estimates.mean()
        sim_se = self.estimates.std(ddof=1) / np.sqrt(reps)
        return pd.DataFrame({"truth": self.effect, "mean": mean, "sim_se": sim_se,
                             "z": (mean - self.effect) / sim_se, "coverage": self.covered.mean()})


def simulate_designs(reps: int, *, effect: float = 0.0, confounding: float = 2.0, designs=DESIGNS,
                     patients: int = 100, visits: int = 4, sickness_effect: float = 1.0, sigma_e2: float = 1.0,
                     level: float = 0.95, seed) -> DesignStudy:
    r"""Simulate ``reps`` studies of each design and estimate the drug's effect in each, as the design calls for.

    The studies come from :func:`blupteach.simulate.simulate_treatment_studies` (replicate r
    of every design has the same patients); each design is analysed by :data:`DESIGN_ANALYSIS` through :func:`treatment_effect`.

    Parameters
    ----------
    reps : int >= 2
    effect, confounding, patients, visits, sickness_effect, sigma_e2 : keyword-only
        As :func:`blupteach.simulate.simulate_treatment`.
    designs : sequence of :data:`DESIGNS`, keyword-only
    level : float, keyword-only
        Of the intervals whose coverage is counted.
    seed : int >= 0 or numpy.random.Generator, keyword-only
        Required.

    Returns
    -------
    DesignStudy

    Raises
    ------
    ValueError
        ``reps`` < 2, an unknown or repeated design, a bad ``level``, and as
        :func:`blupteach.simulate.simulate_treatment`.

    Examples
    --------
    >>> st = simulate_designs(20, designs=("observational", "randomised"), seed=1)
    >>> st.summary["mean"].round(2).tolist()
    [-1.25, -0.03]
    """
    reps = check_whole(reps, "reps", least=2)     # a simulation SE needs two replicates
    level = check_level(level)
    studies = simulate_treatment_studies(reps, designs=designs, effect=effect, confounding=confounding,
                                         patients=patients, visits=visits, sickness_effect=sickness_effect,
                                         sigma_e2=sigma_e2, seed=seed)
    designs = list(studies[0])
    fits, blups = [], []
    for study in studies:
        fits.append({d: treatment_effect(sample.data, comparison=DESIGN_ANALYSIS[d], level=level)
                     for d, sample in study.items()})
        if "observational" in study:
            b = patient_blups(study["observational"].data)
            blups.append(float(b.loc[b["treated_share"] == 1, "blup"].mean()))
    effect = float(effect)
    frame = lambda f: pd.DataFrame([{d: f(r[d]) for d in designs} for r in fits])   # noqa: E731
    settings = dict(reps=reps, designs=tuple(designs), effect=effect, confounding=confounding, patients=patients,
                    visits=visits, sickness_effect=sickness_effect, sigma_e2=sigma_e2, level=level, seed=seed)
    return DesignStudy(estimates=frame(lambda e: e.estimate), se=frame(lambda e: e.se),
                       covered=frame(lambda e: e.lower <= effect <= e.upper),
                       treated_blup=pd.Series(blups, name="treated_blup") if blups else None,
                       effect=effect, settings=settings)
