r"""Pedigrees: the numerator relationship matrix A, inbreeding, and A⁻¹ by Henderson's rules.

An animal's breeding value is the average of its parents' plus a Mendelian sampling term,

.. math:: a_i = \tfrac12(a_{s_i} + a_{d_i}) + m_i, \qquad
          \operatorname{Var}(m_i) = D_i\,\sigma_a^2,

so :math:`\operatorname{Var}(a) = \sigma_a^2 A` with :math:`A = TDT'`, :math:`T = (I - P)^{-1}`
(:math:`P` holds ½ at each known parent).  :math:`D_i = \tfrac12 - \tfrac14(F_{s} + F_{d})` with
both parents known, :math:`\tfrac34 - \tfrac14 F_{p}` with one parent :math:`p` known, 1 with
none; :math:`F_i = A_{ii} - 1` is the inbreeding coefficient.

=================  ===========  ======================================================
symbol             argument     meaning
=================  ===========  ======================================================
:math:`s_i, d_i`   ``sire``,    parents of animal i: 1-based ids (animal k is row k, as
                   ``dam``      pedigrees are written); 0, NaN or None when unknown
:math:`A`                       numerator relationship matrix (animals × animals)
:math:`F_i`                     inbreeding coefficient, :math:`A_{ii} - 1`
:math:`D_i`                     Mendelian sampling variance / σ_a²
=================  ===========  ======================================================

Parents must come before their offspring (a smaller id).  Because
:math:`A^{-1} = (I - P)' D^{-1} (I - P)`, Henderson's rules (with Quaas's 1976 correction
for inbreeding) write A⁻¹ directly, animal by animal, with at most 9 entries each: it is
sparse and costs O(animals) once the F's are known, and A is never inverted.  The F's come
from each animal's ancestors only (the rows of T, as in Meuwissen & Luo 1992), built a
generation at a time.

Used by lesson 09 (breeding values).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["relationship_matrix", "inbreeding", "mendelian_variance", "inverse_relationship"]

DENSE_MAX = 20_000      # animals: a dense A beyond this needs more than 3 GB


def _parent_ids(values, name: str) -> np.ndarray:
    """1-based parent ids as int64, unknown (0, NaN, None, pandas NA) as 0."""
    arr = np.asarray(values, dtype=object) if isinstance(values, pd.api.extensions.ExtensionArray) else np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one parent id per animal); got shape {arr.shape}")
    if arr.dtype.kind in "iuf":                     # numbers: checked at once
        ids = np.where(np.isnan(arr), 0.0, arr) if arr.dtype.kind == "f" else arr
        bad = (ids < 0) | (ids != np.round(ids)) | ~np.isfinite(ids)
        if not bad.any():
            return ids.astype(np.int64)
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} of animal {k + 1} must be a whole-number id >= 1, or 0/NaN/None "
                         f"for an unknown parent; got {arr[k]!r}")
    out = np.zeros(arr.size, dtype=np.int64)
    for k, v in enumerate(list(values)):            # objects: None, pandas NA, text...
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or v != int(v) or v < 0:
            raise ValueError(f"{name} of animal {k + 1} must be a whole-number id >= 1, or 0/NaN/None "
                             f"for an unknown parent; got {v!r}")
        out[k] = int(v)
    return out


def check_pedigree(sire, dam) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(sire, dam)`` as int arrays (0 = unknown) after the pedigree checks.

    Raises ``ValueError`` naming the animal for: lengths that differ; an id that is not a
    whole number; a parent id beyond the pedigree (an unknown id); an animal its own
    ancestor; a parent listed after its offspring.
    """
    try:
        ns, nd = len(sire), len(dam)
    except TypeError:
        raise ValueError("sire and dam must be sequences of parent ids, one per animal") from None
    if ns != nd:
        raise ValueError(f"dam must have {ns} entries to match sire (one per animal); got {nd}")
    if ns == 0:
        raise ValueError("sire is empty: the pedigree needs at least one animal")
    s, d = _parent_ids(sire, "sire"), _parent_ids(dam, "dam")
    N = s.size
    for par, name in ((s, "sire"), (d, "dam")):
        if (par > N).any():
            k = int(np.flatnonzero(par > N)[0])
            raise ValueError(f"animal {k + 1} has {name} {par[k]}, an unknown id (the pedigree has "
                             f"animals 1..{N}); add the parent as a row or give 0 for unknown")
    ids = np.arange(1, N + 1)
    late = (s >= ids) | (d >= ids)
    if late.any():
        cycle = _ancestry_cycle(s, d)
        if cycle is not None:
            raise ValueError(f"animal {cycle} is its own ancestor: the pedigree has a loop through it")
        k = int(np.flatnonzero(late)[0])
        parent = s[k] if s[k] >= k + 1 else d[k]
        raise ValueError(f"animal {k + 1} has parent {parent} listed after it (a parent born after its "
                         f"offspring): order the pedigree so parents come first, renumbering the ids")
    return s, d


def _ancestry_cycle(s, d):
    """An animal (1-based) on a loop of the parent graph, or None (iterative depth-first search)."""
    N = s.size
    state = np.zeros(N + 1, dtype=np.int8)          # 0 new, 1 on the stack, 2 done
    for start in range(1, N + 1):
        if state[start]:
            continue
        stack = [(start, iter((s[start - 1], d[start - 1])))]
        state[start] = 1
        while stack:
            node, parents = stack[-1]
            for p in parents:
                if p == 0:
                    continue
                if state[p] == 1:
                    return int(p)
                if state[p] == 0:
                    state[p] = 1
                    stack.append((p, iter((s[p - 1], d[p - 1]))))
                    break
            else:
                state[node] = 2
                stack.pop()
    return None


def relationship_matrix(sire, dam) -> np.ndarray:
    r"""Return the numerator relationship matrix A by the tabular method (dense).

    .. math:: A_{ij} = \tfrac12(A_{i s_j} + A_{i d_j})\ (i < j), \qquad
              A_{jj} = 1 + \tfrac12 A_{s_j d_j},

    a term with an unknown parent being 0.

    Parameters
    ----------
    sire, dam : array-like of shape (animals,)
        Parent ids, 1-based; 0, NaN or None for unknown.

    Returns
    -------
    ndarray of shape (animals, animals)

    Raises
    ------
    ValueError
        A pedigree fault (:func:`check_pedigree`), or more than 20,000 animals (use
        :func:`inverse_relationship`, which is sparse).

    Examples
    --------
    >>> relationship_matrix([0, 0, 1], [0, 0, 2])      # animal 3 = offspring of 1 and 2
    array([[1. , 0. , 0.5],
           [0. , 1. , 0.5],
           [0.5, 0.5, 1. ]])
    """
    s, d = check_pedigree(sire, dam)
    N = s.size
    if N > DENSE_MAX:
        raise ValueError(f"sire describes {N} animals; a dense A is limited to {DENSE_MAX} "
                         f"(use inverse_relationship, which is sparse)")
    A = np.zeros((N + 1, N + 1))                    # row/column 0: the unknown parent, all zero
    for j in range(1, N + 1):
        sj, dj = s[j - 1], d[j - 1]
        row = 0.5 * (A[sj, 1:j] + A[dj, 1:j])
        A[j, 1:j] = A[1:j, j] = row
        A[j, j] = 1.0 + 0.5 * A[sj, dj] * (sj > 0 and dj > 0)
    return A[1:, 1:]


def inbreeding(sire, dam) -> np.ndarray:
    r"""Return each animal's inbreeding coefficient :math:`F_i = \tfrac12 A_{s_i d_i}`.

    With :math:`A = TDT'`, :math:`A_{sd} = \sum_j T_{sj}T_{dj}D_j` over the common ancestors
    j of the parents; animal i's row of T is :math:`e_i + \tfrac12(T_{s_i} + T_{d_i})`.  The
    rows are built generation by generation (an animal's generation is one more than its
    younger parent's), all animals of a generation at once with sparse row operations: the
    cost is the number of (animal, ancestor) pairs, never A itself.

    Parameters
    ----------
    sire, dam : array-like of shape (animals,)

    Returns
    -------
    ndarray of shape (animals,)

    Examples
    --------
    >>> inbreeding([0, 0, 1, 1], [0, 0, 2, 3])          # 4 = sire 1 × his daughter 3
    array([0.  , 0.  , 0.  , 0.25])

    Notes
    -----
    Memory and time grow with the ancestors per animal: a pedigree 5 generations deep
    holds at most 62 ancestors an animal, a closed herd 20 generations deep thousands.
    """
    s, d = check_pedigree(sire, dam)
    return _inbreeding(s, d)


def _generations(s, d) -> np.ndarray:
    """0 for an animal with no known parent, else 1 + its parents' largest generation."""
    gen = np.zeros(s.size + 1, dtype=np.int64)      # index 0: the unknown parent
    gen[0] = -1
    while True:
        new = np.concatenate([[-1], np.maximum(gen[s], gen[d]) + 1])
        if np.array_equal(new, gen):
            return gen[1:]
        gen = new


def _inbreeding(s, d):
    N = s.size
    F = np.zeros(N + 1)
    F[0] = -1.0                                     # the unknown parent: D gives 3/4 and 1
    D = np.zeros(N + 1)                             # by animal id (column of T)
    gen = _generations(s, d)
    order = np.argsort(gen, kind="stable")          # animals, generation by generation
    row = np.zeros(N + 1, dtype=np.int64)           # animal id -> its row of T_rows (0: a zero row)
    T_rows = sparse.csr_matrix((1, N + 1))
    for g in range(int(gen.max()) + 1):
        ids = order[gen[order] == g] + 1
        si, di = s[ids - 1], d[ids - 1]
        Ts, Td = T_rows[row[si]], T_rows[row[di]]
        both = (si > 0) & (di > 0)
        F[ids] = np.where(both, 0.5 * (Ts.multiply(Td) @ D), 0.0)
        D[ids] = _sampling_share(F[si], F[di])
        own = sparse.csr_matrix((np.ones(ids.size), (np.arange(ids.size), ids)), shape=(ids.size, N + 1))
        row[ids] = T_rows.shape[0] + np.arange(ids.size)
        T_rows = sparse.vstack([T_rows, own + 0.5 * (Ts + Td)], format="csr")
    return F[1:]


def mendelian_variance(sire, dam, F=None) -> np.ndarray:
    r"""Return :math:`D_i`, the Mendelian sampling variance of each animal in units of σ_a².

    :math:`\tfrac12 - \tfrac14(F_s + F_d)` (both parents known), :math:`\tfrac34 - \tfrac14F_p`
    (one), 1 (none).  ``F`` (from :func:`inbreeding`) is computed when not given.

    Examples
    --------
    >>> mendelian_variance([0, 0, 1, 1], [0, 0, 2, 0])
    array([1.  , 1.  , 0.5 , 0.75])
    """
    s, d = check_pedigree(sire, dam)
    F = _inbreeding(s, d) if F is None else np.asarray(F, dtype=float)
    if F.shape != s.shape:
        raise ValueError(f"F must have {s.size} entries, one per animal; got shape {F.shape}")
    return _mendelian(s, d, F)


def _mendelian(s, d, F):
    Fp = np.concatenate([[-1.0], F])                # index 0: the unknown parent (gives 3/4 and 1)
    return _sampling_share(Fp[s], Fp[d])


def _sampling_share(F_sire, F_dam):
    """D = ½ − ¼(F_s + F_d), an unknown parent counted as F = −1 (so ¾ − ¼F_p for one, 1 for none)."""
    return 0.5 - 0.25 * (F_sire + F_dam)


def inverse_relationship(sire, dam) -> sparse.csr_matrix:
    r"""Return :math:`A^{-1}` (scipy.sparse CSR) by Henderson's rules with Quaas's correction.

    For each animal i, with :math:`b_i = 1/D_i` and its known parents p, q:
    add :math:`b_i` at (i, i), :math:`-b_i/2` at (i, p) and (p, i), and :math:`b_i/4` at
    (p, q) for every pair of known parents (p = q included).  This is
    :math:`A^{-1} = (I - P)'D^{-1}(I - P)` written out: never an inverse of A.

    Parameters
    ----------
    sire, dam : array-like of shape (animals,)

    Returns
    -------
    scipy.sparse.csr_matrix of shape (animals, animals)

    Examples
    --------
    >>> inverse_relationship([0, 0, 1], [0, 0, 2]).toarray()
    array([[ 1.5,  0.5, -1. ],
           [ 0.5,  1.5, -1. ],
           [-1. , -1. ,  2. ]])
    """
    s, d = check_pedigree(sire, dam)
    N = s.size
    b = 1.0 / _mendelian(s, d, _inbreeding(s, d))
    i = np.arange(N)
    par = np.stack([s - 1, d - 1])                  # −1: unknown
    known = par >= 0
    rows, cols, vals = [i], [i], [b]
    for k in range(2):                              # animal–parent entries, both triangles
        m = known[k]
        rows += [i[m], par[k, m]]
        cols += [par[k, m], i[m]]
        vals += [-0.5 * b[m]] * 2
    for k in range(2):                              # parent–parent entries (p = q and p ≠ q)
        for l in range(2):
            m = known[k] & known[l]
            rows.append(par[k, m])
            cols.append(par[l, m])
            vals.append(0.25 * b[m])
    A_inv = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                              shape=(N, N))
    return A_inv.tocsr()
