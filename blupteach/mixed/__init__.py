r"""The general linear mixed model :math:`y = X\beta + Zb + \varepsilon` (lesson 03 onward).

=====================  ===============  ==============================================
symbol                 name             meaning
=====================  ===============  ==============================================
:math:`y`              ``y``            response, shape (N,)
:math:`X`, β           ``X``, ``fixef`` fixed-effects design (N × p) and coefficients
:math:`Z`, b           ``Z``, ``ranef`` random-effects design (N × q, sparse) and BLUPs
:math:`G`              ``G``            Var(b) = σ²ΛΛ' (or σ²K for a known-K factor)
:math:`R`              ``R``            Var(ε) = σ_ε² I
=====================  ===============  ==============================================

Modules: :mod:`.formula` (lme4's formula grammar → terms and random-effect blocks),
:mod:`.columns` (the columns of X and Z from data, coded as R's ``model.matrix``),
:mod:`.design` (checks), :mod:`.engine` (the profiled deviance), :mod:`.fast`
(single-factor path), :mod:`.general` (sparse path), :mod:`.lmm` (``fit_lmm``,
``loglik_at``), :mod:`.result` (``LmmFit``), :mod:`.henderson` (Henderson's
equations written out).
"""

from .lmm import fit_lmm, loglik_at
from .henderson import MMEResult, mme
from .result import LmmFit

__all__ = ["fit_lmm", "loglik_at", "mme", "MMEResult", "LmmFit"]
