r"""Seeded simulators for the lessons' data: patients with known true means.

Model
-----
.. math::

    y_{ij} = \mu + b_i + \varepsilon_{ij}, \qquad
    b_i = \sigma_b\, z_i, \quad \varepsilon_{ij} = \sigma_\varepsilon\, e_{ij}, \qquad
    z_i, e_{ij} \stackrel{iid}{\sim} N(0, 1),

for patients ``i = 1..g`` with ``n_i`` readings ``j = 1..n_i`` each.  The *true*
mean of patient i is :math:`\mu + b_i`; a simulation knows it, so every
estimate (complete, no or partial pooling) can be scored against it.

======================  ==============  =============================================
symbol                  argument        meaning
======================  ==============  =============================================
:math:`g`               ``g``           number of patients (groups)
:math:`n_i`             ``n``           readings of patient i (scalar: the same for all)
:math:`\mu`             ``mu``          population mean
:math:`\sigma_b^2`      ``sigma_b2``    between-patient variance
:math:`\sigma_\varepsilon^2` ``sigma_e2`` reading-to-reading noise variance
:math:`z_i, e_{ij}`     ``z_b, z_e``    the standard normals, drawn once per seed
======================  ==============  =============================================

Common random numbers
---------------------
:class:`StandardDraws` draws the standard normals :math:`z_i` and :math:`e_{ij}`
*once* (for up to ``n_max`` readings a patient) and :meth:`StandardDraws.sample`
only rescales them, :math:`b_i = \sqrt{\sigma_b^2}\,z_i`,
:math:`\varepsilon_{ij} = \sqrt{\sigma_\varepsilon^2}\,e_{ij}`, and takes each
patient's first ``n_i`` readings.  A live panel moving a slider therefore moves
the *same* patients smoothly, and returning a slider to a value brings back the
same numbers.  :func:`simulate_oneway` is the one-shot version.

The one home of random draws
----------------------------
Every random number the package draws comes from this module, and every function here
takes ``seed`` (required: a whole number >= 0 or a ``numpy.random.Generator``, checked by
one rule).  Besides the patients above: :func:`draw_effects` (Gaussian or two-point
effects, lesson 04), :func:`simulate_group_stats` (whole data sets reduced to their
sufficient statistics, for coverage studies, lesson 05), :func:`simulate_replicates`
(repeated noise on fixed true means, lesson 03) and :func:`random_folds`
(cross-validation folds), :func:`simulate_treatment` (patients on and off a drug that the
sicker are given more often, lesson 06), :func:`simulate_lines` (new subjects' readings
from a fitted intercept-and-slope model, lesson 07) and :func:`simulate_pedigree` (a herd's
pedigree, lesson 09), :func:`simulate_herd_records` (its true breeding values and
records, lesson 09), :func:`simulate_effects` (group effects drawn from their
distribution given the data, for rank intervals, lesson 10).  Scoring estimates against the truth is math, not data:
:func:`blupteach.score_pooling` lives in :mod:`blupteach.pooling`.
"""

from .patients import EFFECTS, OnewaySample, StandardDraws, draw_effects, simulate_oneway
from .herds import HerdSample, simulate_herd_records, simulate_herd_replicates, simulate_pedigree
from .growth import simulate_lines
from .studies import GroupStatsDraws, random_folds, simulate_fixed_means, simulate_group_stats, simulate_replicates
from .ranks import simulate_effects
from .treatment import DESIGNS, TreatmentSample, simulate_treatment, simulate_treatment_studies

__all__ = ["EFFECTS", "OnewaySample", "StandardDraws", "simulate_oneway", "draw_effects",
           "GroupStatsDraws", "simulate_group_stats", "simulate_replicates", "random_folds", "simulate_fixed_means",
           "simulate_pedigree",
           "DESIGNS", "TreatmentSample", "simulate_treatment", "simulate_treatment_studies",
           "simulate_lines", "simulate_effects",
           "HerdSample", "simulate_herd_records", "simulate_herd_replicates"]
