"""One factory per lesson figure: live panels callable with no arguments, and static ``*_figure`` helpers.

Every live factory returns a :class:`blupteach.widgets.Panel` with ``.figure``,
``.update(**params)`` and ``.controls``; a lesson only calls the factory and
displays the result, tests and benchmarks drive ``.update`` headless.  A static
``*_figure`` factory returns ``(fig, ax)``.  Modules are named after their idea;
no module shares a name with a factory.

=========================  ==========================  ======  ==========================================
factory                    module                      lesson  what it shows (the learner moves)
=========================  ==========================  ======  ==========================================
``pooling()``              ``pooling_strategies``      01      n, σ_b², σ_ε²: complete, no, partial pooling vs truth
``raw_to_pooled_figure``   ``pooling_strategies``      01, 02  static: own means → partial pooling, real data
``blend_error()``          ``blend``                   01      w', n, σ_b², σ_ε²: error of w'·ȳ_i + (1 − w')·μ̂; find the minimum
``pooling_se_figure``      ``pooling_strategies``      01      static: no vs partial pooling ±1 SE against group size
``shrinkage_weight()``     ``shrinkage``               02      n, σ_b², σ_ε²: w as a curve, Alice and Bob
``stein_paradox()``        ``stein_figure``            02      k, spread of fixed true means: James–Stein vs raw means
``penalized()``            ``ridge``                   03      λ, σ_b², σ_ε²: ridge path lands on the BLUPs at λ = σ_ε²/σ_b²
``cv_figure(...)``         ``ridge``                   03      static: cross-validated error against λ
``bias_variance_figure``   ``ridge``                   03      static: bias², variance, MSE against λ
``group_predictor_figure`` ``group_level``             03      static: shrinkage toward a constant vs a line in a group-level predictor
``conditional_bias()``     ``bias``                    04      n, σ_b², σ_ε²: BLUP error vs b_i; MSE given b_i
``variance_parts()``       ``interval_figures``        05      n, σ_b², σ_ε², g, target: shares of three variance sources; width vs n
``caterpillar()``          ``interval_figures``        05      level: groups' intervals and raw means, ordered by n
``coverage_figure(...)``   ``interval_figures``        05      static: interval coverage against |b_i|/σ_b
``confounding()``          ``causal``                  06      c, δ: causal diagram; doctor-chosen, randomised, crossover estimates vs δ
``causal_diagram_figure``  ``causal``                  06      static: the causal diagram at one c and δ
``shrinkage_2d_figure``    ``two_dimensions``          07      static: own lines → BLUPs (intercept, slope) over the fitted ellipses
``subject_lines_figure``   ``two_dimensions``          07      static: per subject, complete-, no- and partial-pooling lines
``prognosis()``            ``forecast``                07      k, subject: a left-out subject's BLUP line from days 0..k, band, day-9 score
``prognosis_score_figure`` ``forecast``                07      static: day-9 error of BLUP, population and own line against k
``risk_map()``             ``rate_maps``               08      σ_b²: raw and smoothed SIDS maps on one colour scale; w by births
``rate_births_figure``     ``rate_maps``               08      static: raw rate → smoothed rate against births
``rate_funnel_figure``     ``rate_maps``               08      static: raw rates with common-effect and overdispersed limits
``breeding_values()``      ``breeding_figures``        09      h²: predicted vs true breeding values; accuracy of cows, bulls, calves
``league_table()``         ``league_figures``          10      level, intake: raw vs BLUP league tables, schools flagged
``funnel_figure(...)``     ``league_figures``          10      static: raw estimate against n with control limits
``rank_interval_figure``   ``league_figures``          10      static: simulated rank intervals, schools by median rank
``own_data()``             ``group_report``            11      response, group, covariate, slope (dropdowns), upload: raw means vs BLUPs, intervals, w
``report_figure(rep)``     ``group_report``            11      static: a report's groups by n, raw mean, prediction with interval, w
=========================  ==========================  ======  ==========================================
"""

from .bias import conditional_bias_panel as conditional_bias
from .blend import blend_error_panel as blend_error
from .causal import causal_diagram_figure
from .causal import confounding_panel as confounding
from .breeding_figures import breeding_values_panel as breeding_values
from .group_level import group_predictor_figure
from .interval_figures import caterpillar_panel as caterpillar
from .interval_figures import coverage_figure
from .interval_figures import variance_parts_panel as variance_parts
from .league_figures import funnel_figure, rank_interval_figure
from .league_figures import league_table_panel as league_table
from .pooling_strategies import pooling, pooling_se_figure, raw_to_pooled_figure
from .rate_maps import rate_births_figure, rate_funnel_figure
from .rate_maps import risk_map_panel as risk_map
from .ridge import bias_variance_figure, cv_figure, penalized
from .shrinkage import shrinkage_weight
from .stein_figure import stein_paradox
from .two_dimensions import shrinkage_2d_figure, subject_lines_figure
from .forecast import prognosis_panel as prognosis
from .forecast import prognosis_score_figure
from .group_report import own_data_panel as own_data
from .group_report import report_figure

# In the order of the lessons (the table above).
__all__ = [
    "pooling", "raw_to_pooled_figure", "blend_error", "pooling_se_figure",       # 01
    "shrinkage_weight", "stein_paradox",                                         # 02
    "penalized", "cv_figure", "bias_variance_figure", "group_predictor_figure",  # 03
    "conditional_bias",                                                          # 04
    "variance_parts", "caterpillar", "coverage_figure",                          # 05
    "causal_diagram_figure", "confounding",                                      # 06
    "shrinkage_2d_figure", "subject_lines_figure", "prognosis", "prognosis_score_figure",  # 07
    "risk_map", "rate_births_figure", "rate_funnel_figure",                      # 08
    "breeding_values",                                                           # 09
    "league_table", "funnel_figure", "rank_interval_figure",                     # 10
    "own_data", "report_figure",                                                 # 11
]
