"""One factory per lesson panel, each callable with no arguments.

Every factory returns a :class:`blupteach.widgets.Panel` with ``.figure``,
``.update(**params)`` and ``.controls``; a lesson only calls the factory and
displays the result, tests and benchmarks drive ``.update`` headless.

============================  ======  ==========================================
factory                       lesson  the learner moves
============================  ======  ==========================================
``pooling()``                 01      n, σ_b², σ_ε²: complete, no, partial pooling vs truth
``shrinkage_weight()``        02      n, σ_b², σ_ε²: w as a curve, Alice and Bob
``penalized()``               03      λ, σ_b², σ_ε²: ridge path lands on the BLUPs at λ = σ_ε²/σ_b²
``conditional_bias()``        04      n, σ_b², σ_ε²: BLUP error vs true effect; MSE of w'
``variance_parts()``          05      n, σ_b², σ_ε²: three variance sources stacked; width vs n
``caterpillar()``             05      level: ranked predictions with their intervals
============================  ======  ==========================================
"""

from .pooling import pooling
from .shrinkage import shrinkage_weight
from .penalized import bias_variance_figure, cv_figure, penalized   # the figures: lesson 03's static plots
from .name_game import conditional_bias_panel as conditional_bias
from .uncertainty import caterpillar_panel as caterpillar
from .uncertainty import variance_parts_panel as variance_parts

__all__ = ["pooling", "shrinkage_weight", "penalized", "cv_figure", "bias_variance_figure", "conditional_bias", "variance_parts", "caterpillar"]
