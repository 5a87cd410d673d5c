r"""Simulated patients on and off a drug, with a sickness that decides who gets it (lesson 06).

.. math::

    y_{ij} = \mu + \delta\,T_{ij} - \gamma\,s_i + \varepsilon_{ij}, \qquad
    s_i \sim N(0, 1), \quad \varepsilon_{ij} \sim N(0, \sigma_\varepsilon^2),

for patients ``i = 1..patients`` seen at ``visits`` visits ``j`` each.  :math:`s_i` is the
patient's **sickness**, a trait that does not change over the visits and that the analyst
does not see; it lowers every outcome of the patient by :math:`\gamma s_i`.
:math:`T_{ij} \in \{0, 1\}` says whether the patient was on the drug at that visit, and the
drug's true effect :math:`\delta \ge 0` adds to the outcome.  Who is treated depends on the
``design``:

* ``"observational"`` (confounding by indication): the doctor decides once per patient,
  and gives the drug more often to the sicker,
  :math:`P(T_i = 1 \mid s_i) = \operatorname{logistic}(c\,s_i)`, with ``confounding`` c >= 0
  (c = 0: a coin flip);
* ``"randomised"``: a fair coin per patient, whatever the sickness (c is ignored);
* ``"crossover"`` (an on/off, crossover-like design): every patient is seen on *and* off
  the drug; the sicker spend more visits on it,
  :math:`k_i = \operatorname{round}(V \operatorname{logistic}(c\,s_i))` of the V visits, kept
  within 1..V-1, and *which* k_i visits are on the drug is picked at random (a coin within
  the patient).  With no time trend, period effect or carryover in the model, that random
  choice and the fixed sickness are what make the within-patient comparison unbiased.

==================  ====================  ================================================
symbol              argument              meaning
==================  ====================  ================================================
:math:`\delta`      ``effect``            true effect of the drug on the outcome (>= 0)
:math:`c`           ``confounding``       how strongly sickness drives treatment (>= 0)
:math:`\gamma`      ``sickness_effect``   how much one unit of sickness lowers the outcome
:math:`\sigma_\varepsilon^2`  ``sigma_e2``  visit-to-visit noise variance
:math:`\mu`         ``mu``                outcome of an average patient off the drug
==================  ====================  ================================================

Common random numbers: the standard draws (sickness, each patient's coin, the noise, the
order of the visits) come from the seed in a fixed order whatever the design, the effect or
the confounding, so the same seed gives the *same patients* in every design and a slider
moved on the confounding changes only who is treated.  Part of :mod:`blupteach.simulate`,
the one home of random draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .._validation import check_choice, check_nonnegative, check_scalar, check_seed, check_variance, check_whole

__all__ = ["DESIGNS", "TreatmentSample", "simulate_treatment", "simulate_treatment_studies"]

#: How the drug is assigned (see the module docstring).
DESIGNS = ("observational", "randomised", "crossover")


@dataclass(frozen=True)
class TreatmentSample:
    r"""One simulated study of the drug, with its truth.

    Attributes
    ----------
    data : pandas.DataFrame, shape (patients * visits, 4)
        What the analyst sees: columns ``patient`` (0..patients-1), ``visit`` (0..visits-1),
        ``treated`` (0.0 or 1.0) and ``y`` (the outcome), patient by patient.
    sickness : ndarray, shape (patients,)
        Each patient's latent sickness :math:`s_i` (the analyst does not see it).
    design : str
        One of :data:`DESIGNS`.
    effect, confounding, sickness_effect, sigma_e2, mu : float
        The values the study was drawn with.
    """

    data: pd.DataFrame
    sickness: np.ndarray
    design: str
    effect: float
    confounding: float
    sickness_effect: float
    sigma_e2: float
    mu: float

    @property
    def treated_share(self) -> np.ndarray:
        """Each patient's share of visits on the drug, shape (patients,)."""
        return self.data.groupby("patient")["treated"].mean().to_numpy()


def simulate_treatment(design: str = "observational", *, patients: int = 100, visits: int = 4,
                       effect: float = 0.0, confounding: float = 2.0, sickness_effect: float = 1.0,
                       sigma_e2: float = 1.0, mu: float = 0.0, seed) -> TreatmentSample:
    r"""Simulate one study of a drug: :math:`y_{ij} = \mu + \delta T_{ij} - \gamma s_i + \varepsilon_{ij}`.

    Parameters
    ----------
    design : {'observational', 'randomised', 'crossover'}
        Who gets the drug (module docstring): the doctor, preferring the sicker; a coin;
        everyone, on some visits and off the others.
    patients : int >= 2, keyword-only
    visits : int >= 1, keyword-only
        Visits per patient (>= 2 for a crossover: on and off).
    effect : float >= 0, keyword-only
        The drug's true effect :math:`\delta` (zero or positive: the drug never harms here).
    confounding : float >= 0, keyword-only
        :math:`c` in :math:`P(T = 1 \mid s) = \operatorname{logistic}(c\,s)`; ignored by
        ``'randomised'``.
    sickness_effect : float >= 0, keyword-only
        :math:`\gamma`: the outcome drops by :math:`\gamma s_i`.
    sigma_e2 : float >= 0, keyword-only
        Visit-to-visit noise variance.
    mu : float, keyword-only
    seed : int >= 0 or numpy.random.Generator, keyword-only
        Required.  The same seed gives the same patients in every design.

    Returns
    -------
    TreatmentSample
        ``data`` (patient, visit, treated, y), the latent ``sickness``, the settings.

    Raises
    ------
    ValueError
        An unknown design; a negative effect, confounding, sickness_effect or variance;
        fewer than 2 patients or 1 visit (2 for a crossover); a missing or bad seed.

    Examples
    --------
    >>> s = simulate_treatment("crossover", patients=3, visits=4, seed=1)
    >>> s.data.shape, bool(s.treated_share.min() > 0), bool(s.treated_share.max() < 1)   # on and off
    ((12, 4), True, True)
    >>> r = simulate_treatment("randomised", patients=3, visits=4, seed=1)
    >>> bool(np.array_equal(r.sickness, s.sickness))                          # the same patients
    True
    """
    design = check_choice(design, "design", DESIGNS)
    patients = check_whole(patients, "patients", least=2)
    visits = check_whole(visits, "visits", least=2 if design == "crossover" else 1)
    effect = check_nonnegative(effect, "effect")
    confounding = check_nonnegative(confounding, "confounding")
    sickness_effect = check_nonnegative(sickness_effect, "sickness_effect")
    sigma_e2 = float(check_variance(check_scalar(sigma_e2, "sigma_e2"), "sigma_e2"))
    mu = check_scalar(mu, "mu")
    rng = check_seed(seed)
    # the standard draws, always in this order: the same patients in every design
    s = rng.standard_normal(patients)
    coin = rng.uniform(size=patients)
    noise = rng.standard_normal((patients, visits))
    order = rng.uniform(size=(patients, visits)).argsort(axis=1).argsort(axis=1)   # a random rank per visit

    p_treat = special.expit(confounding * s)
    if design == "observational":
        treated = np.repeat((coin < p_treat)[:, None], visits, axis=1)
    elif design == "randomised":
        treated = np.repeat((coin < 0.5)[:, None], visits, axis=1)
    else:
        k = np.clip(np.round(visits * p_treat), 1, visits - 1)
        treated = order < k[:, None]
    treated = treated.astype(float)
    y = mu + effect * treated - sickness_effect * s[:, None] + np.sqrt(sigma_e2) * noise
    data = pd.DataFrame({"patient": np.repeat(np.arange(patients), visits),
                         "visit": np.tile(np.arange(visits), patients),
                         "treated": treated.ravel(), "y": y.ravel()})
    return TreatmentSample(data=data, sickness=s, design=design, effect=effect, confounding=confounding,
                           sickness_effect=sickness_effect, sigma_e2=sigma_e2, mu=mu)


def simulate_treatment_studies(reps: int, *, designs=DESIGNS, seed, **settings) -> list[dict]:
    """Simulate ``reps`` replicate studies, each run under every design in ``designs`` with the same patients.

    Parameters
    ----------
    reps : int >= 1
    designs : sequence of :data:`DESIGNS`, keyword-only
        No design twice.
    seed : int >= 0 or numpy.random.Generator, keyword-only
        Required: the replicates' seeds are drawn from it in order.
    **settings
        ``patients``, ``visits``, ``effect``, ``confounding``, ``sickness_effect``,
        ``sigma_e2``, ``mu`` of :func:`simulate_treatment`.

    Returns
    -------
    list of dict
        ``reps`` dicts, design → :class:`TreatmentSample`.

    Raises
    ------
    ValueError
        ``reps`` < 1; ``designs`` empty, a text, unknown or repeated; bad settings.

    Examples
    --------
    >>> st = simulate_treatment_studies(2, designs=("observational", "crossover"), patients=5, seed=0)
    >>> len(st), list(st[0])
    (2, ['observational', 'crossover'])
    >>> bool(np.array_equal(st[0]["observational"].sickness, st[0]["crossover"].sickness))
    True
    """
    reps = check_whole(reps, "reps")
    if isinstance(designs, str) or not len(designs):
        raise ValueError(f"designs must be a non-empty sequence of {DESIGNS}; got {designs!r}")
    designs = [check_choice(d, "designs", DESIGNS) for d in designs]
    if len(set(designs)) != len(designs):
        raise ValueError(f"designs must not repeat a design; got {designs}")
    unknown = set(settings) - {"patients", "visits", "effect", "confounding", "sickness_effect", "sigma_e2", "mu"}
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)} for simulate_treatment")
    rng = check_seed(seed)
    states = rng.integers(0, 2**63 - 1, size=reps)
    return [{d: simulate_treatment(d, **settings, seed=int(s)) for d in designs} for s in states]
