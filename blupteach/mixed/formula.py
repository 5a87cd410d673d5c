r"""lme4 formulas → the response, the fixed terms and the random-effect blocks (lme4's grammar).

``y ~ fixed + (lhs | g) + (lhs || g) + ...``: the fixed part and each bar term's
left-hand side are read by the ``formulae`` library (the parser Bambi uses, imported
only when a formula is parsed); the bars and grouping factors are read here, as lme4
reads them (``findbars``, ``expandDoubleVerts``, ``expandSlash``):

=========================  ==================================================  ===========================
spelling                   meaning in lme4                                     blocks (name: terms)
=========================  ==================================================  ===========================
``(1 | g)``                random intercept                                    g: (Intercept)
``(x | g)``                correlated intercept and slope (one 2 × 2 block)    g: (Intercept), x
``(1 + x | g)``            the same                                            g: (Intercept), x
``(0 + x | g)``            slope only: ``0``, ``-1``, ``- 1`` or ``+ 0``       g: x
``(-1 + x | g)``           anywhere in the left-hand side removes the
``(x - 1 | g)``            intercept (R's rule), so ``(x1 + x2 - 1 | g)``
``(x + 0 | g)``            is one 2 × 2 block over x1, x2
``(x1 + x2 || g)``         uncorrelated: ``(1 | g) + (0 + x1 | g)``            g: (Intercept); g.1: x1;
                           ``+ (0 + x2 | g)``; ``(0 + x || g)`` is             g.2: x2
                           ``(0 + x | g)``; a factor's columns stay together
``(1 | g/h)``              nested: ``(1 | g:h) + (1 | g)`` (inner first)       g:h; g
``(1 | g:h)``              one factor: the observed combinations of g and h    g:h
=========================  ==================================================  ===========================

A second block on a factor already used is named ``g.1`` (as lme4's ``VarCorr``); the
nested factor is named ``g:h`` (lme4 writes ``h:g``), its levels ``"a:b"``.  Blocks are
kept in formula order (lme4's order before it sorts them by number of levels; θ is
laid out in the sorted order, see :meth:`.design.Design.theta_perm`).
Terms inside a block and the fixed terms are in R's order: intercept, main
effects, then interactions; a categorical variable is coded as R codes it
(:mod:`.columns`).  What lme4 would read differently, or this engine cannot fit
(a function of the grouping factor, a covariance-structure term such as
``ar1(...)``, an ``offset(...)``, a transformed column), raises ``ValueError``
naming the term: it is never fitted as something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["parse_formula", "ParsedFormula", "Block"]

_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"
_CALL_C = re.compile(rf"^C\(\s*({_NAME})\s*\)$")
_IS_NAME = re.compile(rf"^{_NAME}$")
# glmmTMB's covariance structures (lme4's lmer has none of them)
_STRUCTURES = {"us", "cs", "diag", "ar1", "ou", "exp", "gau", "mat", "toep", "rr", "homdiag",
               "homcs", "hetar1", "homar1", "hettoep", "homtoep", "propto", "equalto"}


@dataclass
class Block:
    """One random-effect block ``(terms | factor)``: a k × k covariance over its terms."""

    name: str                       # key in varcorr / ranef ("Subject", "school:class", "g.1")
    factor: tuple                   # variable names whose combination is the grouping factor
    terms: list                     # list of term specs (see .columns); () is the intercept


@dataclass
class ParsedFormula:
    response: str
    fixed: list                     # term specs; () is the intercept
    blocks: list                    # list of Block, in formula order (lme4's before it sorts them)
    variables: list                 # every data column the formula uses


def parse_formula(formula: str) -> ParsedFormula:
    """Parse ``"y ~ x + (x | g)"`` into the response, fixed terms and random-effect blocks.

    Raises
    ------
    ValueError
        ``formula`` is not a string, cannot be parsed, has no response or no random
        term, or has a term this engine cannot fit as lme4 would (the message names it).
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError(f"formula must be a string like 'y ~ x + (1 | g)'; got {formula!r}")
    return _fresh(_parse_cached(formula))   # a fresh copy: callers may not share state


def _fresh(parsed: ParsedFormula) -> ParsedFormula:
    """A copy of a cached parse with new lists and records (what ``copy.deepcopy`` gives: the
    items, term tuples of (name, flag) tuples and factor tuples of names, are immutable)."""
    blocks = [Block(name=b.name, factor=b.factor, terms=list(b.terms)) for b in parsed.blocks]
    return ParsedFormula(response=parsed.response, fixed=list(parsed.fixed), blocks=blocks,
                         variables=list(parsed.variables))


# --- reading the text ------------------------------------------------------------
def _matching(text: str, i: int) -> int:
    """Index of the ')' closing the '(' at ``text[i]``."""
    depth = 0
    for j in range(i, len(text)):
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        if depth == 0:
            return j
    raise ValueError(f"formula: unbalanced parentheses in {text!r}")


def _top_level(text: str):
    """Yield (index, char) of the characters of ``text`` outside any parentheses."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            yield i, ch


def _signed_operands(rhs: str):
    """Split the right-hand side at its top-level ``+`` and ``-`` into (sign, operand text)."""
    out, sign, start = [], "+", 0
    for i, ch in _top_level(rhs):
        if ch in "+-":
            piece = rhs[start:i].strip()
            if piece:
                out.append((sign, piece))
                sign = ch
            elif ch == "-":
                sign = "-" if sign == "+" else "+"
            start = i + 1
    piece = rhs[start:].strip()
    if piece:
        out.append((sign, piece))
    return out


def _refuse_calls(rhs: str, formula: str):
    """Refuse the calls lme4 users write that this engine cannot fit (named in the message)."""
    for m in re.finditer(rf"({_NAME})\s*\(", rhs):
        name, start = m.group(1), m.start()
        call = rhs[start:_matching(rhs, m.end() - 1) + 1]
        if name == "offset":
            raise ValueError(f"formula {formula!r}: the term {call!r} is an offset, which fit_lmm does not "
                             "support; subtract the offset from the response and fit that instead")
        if "|" in call and name in _STRUCTURES:
            raise ValueError(f"formula {formula!r}: the term {call!r} is a covariance-structure term "
                             f"({name}(), as in glmmTMB), which lme4's lmer and fit_lmm do not have; "
                             "fit_lmm fits an unstructured block (x | g) or independent terms (x || g)")
        if "|" in call:
            raise ValueError(f"formula {formula!r}: the term {call!r} puts a random term inside a call "
                             f"({name}), which fit_lmm cannot fit; write a random term as '+ (x | g)'")


def _is_bar_term(op: str) -> bool:
    """Is the operand one parenthesised ``( ... | ... )``, the bar at its own top level?"""
    if not (op.startswith("(") and _matching(op, 0) == len(op) - 1):
        return False
    return any(ch == "|" for _, ch in _top_level(op[1:-1]))


def _bar(inner: str, chunk: str, formula: str):
    """``lhs | rhs`` → (lhs, '|' or '||', rhs); exactly one top-level bar."""
    bars = [i for i, ch in _top_level(inner) if ch == "|"]
    if len(bars) == 2 and bars[1] == bars[0] + 1:
        return inner[:bars[0]].strip(), "||", inner[bars[1] + 1:].strip()
    if len(bars) != 1:
        raise ValueError(f"formula {formula!r}: the random term {chunk!r} must have one bar, "
                         "(terms | factor) or (terms || factor)")
    return inner[:bars[0]].strip(), "|", inner[bars[0] + 1:].strip()


def _grouping(rhs: str, chunk: str, formula: str) -> list:
    """``g``, ``g:h``, ``g/h`` (→ g, g:h), ``g/h/k`` … → the list of factors (tuples of names)."""
    factors, outer = [], ()
    for part in rhs.split("/"):
        names = tuple(n.strip() for n in part.split(":"))
        if not all(_IS_NAME.match(n) for n in names):
            raise ValueError(f"formula {formula!r}: the grouping factor {rhs!r} of the random term {chunk!r} "
                             "must be column names joined by ':' (interaction) or '/' (nesting); "
                             "a function of a column (or anything else) is not supported: compute it as a column")
        outer = outer + names
        factors.append(outer)
    return factors


def _term_spec(term, where: str):
    """A formulae term → tuple of (variable, is_categorical_call) components; () is the intercept."""
    if type(term).__name__ == "Intercept":
        return ()
    comps = []
    for c in term.components:
        kind = type(c).__name__
        if kind == "Variable":
            comps.append((c.name, False))
        elif kind == "Call" and _CALL_C.match(c.name.replace(" ", "")):
            comps.append((_CALL_C.match(c.name.replace(" ", "")).group(1), True))
        else:
            label = getattr(c, "name", repr(c))
            raise ValueError(f"{where}: the term {label!r} is not supported (only column names, C(x) to treat x "
                             "as categorical, and their interactions are); compute transformed columns in the data first")
    return tuple(comps)


def _terms(text: str, where: str) -> list:
    """The terms of ``~ text`` (formulae's reading, which keeps R's intercept rule), in R's order."""
    from formulae import model_description       # lazy: `import blupteach` does not load formulae

    try:
        desc = model_description(f"RESPONSE ~ {text}")
    except Exception as exc:
        raise ValueError(f"{where} could not be parsed ({exc}); lme4 syntax such as "
                         "'y ~ x + (x | g)' is expected") from None
    if desc.group_terms:
        raise ValueError(f"{where}: a random term must be added at the top level, like '+ (x | g)'")
    specs = [_term_spec(t, where) for t in desc.common_terms]
    specs = list(dict.fromkeys(specs))
    specs.sort(key=len)                # R's terms(): intercept, main effects, then interactions
    return specs


@lru_cache(maxsize=256)
def _parse_cached(formula: str) -> ParsedFormula:
    head, _, rhs = formula.partition("~")
    response = head.strip()
    if not response:
        raise ValueError(f"formula {formula!r} has no response on the left of '~'")
    if not _IS_NAME.match(response):
        raise ValueError(f"formula: the response must be one numeric column; got {response!r} "
                         "(compute a transformed response as a column first)")
    if "~" in rhs:
        raise ValueError(f"formula {formula!r} has more than one '~'")
    _refuse_calls(rhs, formula)

    fixed_ops, blocks, used = [], [], {}
    for sign, op in _signed_operands(rhs):
        if not _is_bar_term(op):
            if "|" in op:
                raise ValueError(f"formula {formula!r}: the random term in {op!r} must stand alone in "
                                 "parentheses and be added with '+', like '+ (x | g)'")
            fixed_ops.append((sign, op))
            continue
        if sign == "-":
            raise ValueError(f"formula {formula!r}: the random term {op!r} is subtracted; add it with '+'")
        lhs, bar, grp = _bar(op[1:-1], op, formula)
        if not lhs:
            raise ValueError(f"formula {formula!r}: the random term {op!r} has nothing left of the bar; "
                             "write (1 | g) for a random intercept")
        terms = _terms(lhs, f"formula {formula!r}, random term {op!r}")
        if not terms:
            raise ValueError(f"formula {formula!r}: the random term {op!r} has no terms (its intercept is "
                             "removed and nothing else is left)")
        # lme4's expandDoubleVerts: (x1 + x2 || g) → (1 | g) + (0 + x1 | g) + (0 + x2 | g),
        # then expandSlash on each: (1 | g/h) → (1 | h:g) + (1 | g), the inner factor first
        groups = [terms] if bar == "|" else [[t] for t in terms]
        for group in groups:
            for factor in _grouping(grp, op, formula)[::-1]:
                base = ":".join(factor)
                count = used.get(base, 0)
                used[base] = count + 1
                blocks.append(Block(name=base if count == 0 else f"{base}.{count}", factor=factor, terms=group))
    if not blocks:
        raise ValueError(f"formula {formula!r} has no random-effect term such as (1 | g); "
                         "use ordinary least squares for a model without random effects")
    fixed_text = " ".join(f"{s} {op}" for s, op in fixed_ops).lstrip("+ ") or "1"
    fixed = _terms(fixed_text, f"formula {formula!r}")

    variables = [response]
    for spec in fixed + [t for b in blocks for t in b.terms]:
        variables += [name for name, _ in spec]
    for b in blocks:
        variables += list(b.factor)
    variables = list(dict.fromkeys(variables))
    return ParsedFormula(response=response, fixed=fixed, blocks=blocks, variables=variables)
