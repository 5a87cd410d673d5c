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
``shrinkage_weight()``     ``shrinkage``               02      n, σ_b², σ_ε²: w as a curve, Alice and Bob
``penalized()``            ``ridge``                   03      λ, σ_b², σ_ε²: ridge path lands on the BLUPs at λ = σ_ε²/σ_b²
``cv_figure(...)``         ``ridge``                   03      static: cross-validated error against λ
``bias_variance_figure``   ``ridge``                   03      static: bias², variance, MSE against λ
``conditional_bias()``     ``bias``                    04      n, σ_b², σ_ε²: BLUP error vs true effect; MSE of w'
``variance_parts()``       ``interval_figures``        05      n, σ_b², σ_ε², g, target: shares of three variance sources; width vs n
``caterpillar()``          ``interval_figures``        05      level: groups' intervals and raw means, ordered by n
``coverage_figure(...)``   ``interval_figures``        05      static: interval coverage against |b_i|/σ_b
=========================  ==========================  ======  ==========================================
"""

from .bias import conditional_bias_panel as conditional_bias
from .interval_figures import caterpillar_panel as caterpillar
from .interval_figures import coverage_figure
from .interval_figures import variance_parts_panel as variance_parts
from .pooling_strategies import pooling, raw_to_pooled_figure
from .ridge import bias_variance_figure, cv_figure, penalized
from .shrinkage import shrinkage_weight

__all__ = ["pooling", "raw_to_pooled_figure", "shrinkage_weight", "penalized", "cv_figure", "bias_variance_figure", "conditional_bias",
           "variance_parts", "caterpillar", "coverage_figure"]
