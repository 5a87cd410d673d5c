"""One factory per lesson panel, each callable with no arguments.

Every factory returns a :class:`blupteach.widgets.Panel` with ``.figure``,
``.update(**params)`` and ``.controls``; a lesson only calls the factory and
displays the result, tests and benchmarks drive ``.update`` headless.

============================  ======  ==========================================
factory                       lesson  the learner moves
============================  ======  ==========================================
``pooling()``                 01      n, σ_b², σ_ε²: complete, no, partial pooling vs truth
``shrinkage_weight()``        02      n, σ_b², σ_ε²: w as a curve, Alice and Bob
============================  ======  ==========================================
"""

from .pooling import pooling
from .shrinkage import shrinkage_weight

__all__ = ["pooling", "shrinkage_weight"]
