r"""Simulated patients with known true means: the one-way model's draws (lessons 01, 02, 04).

.. math::

    y_{ij} = \mu + b_i + \varepsilon_{ij}, \qquad b_i = \sigma_b z_i, \quad \varepsilon_{ij} = \sigma_\varepsilon e_{ij}

:class:`StandardDraws` draws the standard normals once and rescales them (common random
numbers: a slider moves the same patients); :func:`simulate_oneway` is the one-shot version;
:func:`draw_effects` draws effects alone, Gaussian or two-point.  Part of
:mod:`blupteach.simulate`, the one home of random draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validation import as_float_array, check_choice, check_counts, check_scalar, check_seed, check_variance, check_whole

__all__ = ["EFFECTS", "OnewaySample", "StandardDraws", "simulate_oneway", "draw_effects"]

#: Distributions of the effects b_i, each with mean 0 and variance σ_b²: Gaussian, or
#: two-point (±σ_b with probability 1/2 each: the same mean and variance, another shape).
EFFECTS = ("gaussian", "two_point")


def _standard_effects(size, effects: str, rng: np.random.Generator) -> np.ndarray:
    """Standardised effects z (mean 0, variance 1): N(0, 1) or ±1 with probability 1/2."""
    if effects == "gaussian":
        return rng.standard_normal(size)
    return rng.choice([-1.0, 1.0], size=size)


@dataclass(frozen=True)
class OnewaySample:
    r"""One simulated data set of the one-way model, with its truth.

    Attributes
    ----------
    y : ndarray, shape (N,)
        Readings, patient by patient (patient 0's first, then patient 1's, ...).
    group : ndarray of int, shape (N,)
        Patient index ``0..g-1`` of each reading.
    n : ndarray of int, shape (g,)
        Readings per patient :math:`n_i`.
    b : ndarray, shape (g,)
        True deviations :math:`b_i`.
    mu, sigma_b2, sigma_e2 : float
        The values the sample was drawn with.
    """

    y: np.ndarray
    group: np.ndarray
    n: np.ndarray
    b: np.ndarray
    mu: float
    sigma_b2: float
    sigma_e2: float

    @property
    def g(self) -> int:
        """Number of patients."""
        return int(self.n.size)

    @property
    def true_mean(self) -> np.ndarray:
        r"""Each patient's true mean :math:`\mu + b_i`, shape (g,)."""
        return self.mu + self.b

    @property
    def group_means(self) -> np.ndarray:
        r"""Each patient's own mean :math:`\bar y_i` (no pooling), shape (g,)."""
        return np.bincount(self.group, weights=self.y, minlength=self.g) / self.n

    def frame(self, group_name: str = "patient") -> pd.DataFrame:
        """The readings as a DataFrame with columns ``group_name`` (patient index) and ``y`` (for :func:`fit_oneway`)."""
        if not isinstance(group_name, str) or not group_name or group_name == "y":
            raise ValueError(f"group_name must be a non-empty column name other than 'y'; got {group_name!r}")
        return pd.DataFrame({group_name: self.group, "y": self.y})


class StandardDraws:
    r"""Standard normals for ``g`` patients drawn once; rescaled on every :meth:`sample`.

    Parameters
    ----------
    g : int >= 1
        Number of patients.
    n_max : int >= 1
        Most readings any patient can be given later.
    seed : int >= 0 or numpy.random.Generator, keyword-only
        Seed of ``numpy.random.default_rng`` (or a Generator to draw from).
    effects : {'gaussian', 'two_point'}, keyword-only
        Distribution of the standardised effects z_i (:data:`EFFECTS`).

    Attributes
    ----------
    z_b : ndarray, shape (g,)
        :math:`z_i`, the standardised patient effects.
    z_e : ndarray, shape (g, n_max)
        :math:`e_{ij}`, the standardised noise; patient i uses ``z_e[i, :n_i]``.

    Examples
    --------
    >>> draws = StandardDraws(3, 10, seed=1)
    >>> s = draws.sample(2, sigma_b2=4.0, sigma_e2=1.0, mu=10.0)
    >>> bool(np.allclose(s.b, 2.0 * draws.z_b))      # b_i = sqrt(4) z_i
    True
    >>> s.y.shape                                     # 3 patients x 2 readings
    (6,)
    """

    def __init__(self, g: int, n_max: int, *, seed, effects: str = "gaussian"):
        self.g = check_whole(g, "g")
        self.n_max = check_whole(n_max, "n_max")
        self.effects = check_choice(effects, "effects", EFFECTS)
        rng = check_seed(seed)
        self.z_b = _standard_effects(self.g, self.effects, rng)
        self.z_e = rng.standard_normal((self.g, self.n_max))

    def sample(self, n, sigma_b2, sigma_e2, mu: float = 0.0) -> OnewaySample:
        r"""Return the sample :math:`y_{ij} = \mu + \sigma_b z_i + \sigma_\varepsilon e_{ij}`.

        Parameters
        ----------
        n : int or array_like of int, shape (g,)
            Readings per patient, each in ``1..n_max`` (a scalar: all the same).
        sigma_b2, sigma_e2 : float >= 0
            Variance components (scalars).
        mu : float
            Population mean.

        Raises
        ------
        ValueError
            ``n`` not whole, below 1, above ``n_max`` or of the wrong length;
            a negative, NaN or non-scalar variance; a non-finite ``mu``.
        """
        n_arr = np.asarray(check_counts(n, "n"))
        if n_arr.ndim == 0:
            n_arr = np.full(self.g, float(n_arr))
        elif n_arr.shape != (self.g,):
            raise ValueError(f"n must be a scalar or have {self.g} entries (one per patient); got shape {n_arr.shape}")
        n_arr = n_arr.astype(int)
        if (n_arr < 1).any() or (n_arr > self.n_max).any():
            raise ValueError(f"n must lie in 1..{self.n_max} (n_max of these draws); got values from "
                             f"{n_arr.min()} to {n_arr.max()}")
        for value, name in ((sigma_b2, "sigma_b2"), (sigma_e2, "sigma_e2")):
            if np.ndim(value) != 0:
                raise ValueError(f"{name} must be a single number; got shape {np.shape(value)}")
        sigma_b2 = float(check_variance(sigma_b2, "sigma_b2"))
        sigma_e2 = float(check_variance(sigma_e2, "sigma_e2"))
        mu = check_scalar(mu, "mu")
        keep = np.arange(self.n_max) < n_arr[:, None]          # first n_i readings of patient i
        b = np.sqrt(sigma_b2) * self.z_b
        y = mu + b[:, None] + np.sqrt(sigma_e2) * self.z_e      # (g, n_max); row-major = patient by patient
        group = np.repeat(np.arange(self.g), n_arr)
        return OnewaySample(y=y[keep], group=group, n=n_arr.copy(), b=b, mu=mu,
                            sigma_b2=sigma_b2, sigma_e2=sigma_e2)


def simulate_oneway(n, sigma_b2, sigma_e2, *, g: int | None = None, mu: float = 0.0, effects: str = "gaussian",
                    seed) -> OnewaySample:
    r"""Simulate patients with known true means from :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`.

    :math:`b_i \sim N(0, \sigma_b^2)`, :math:`\varepsilon_{ij} \sim N(0, \sigma_\varepsilon^2)`,
    all independent, drawn from ``numpy.random.default_rng(seed)`` (through
    :class:`StandardDraws`, so the same seed gives the same standard normals).

    Parameters
    ----------
    n : int or array_like of int
        Readings per patient: a scalar (then ``g`` is required) or one entry per patient.
    sigma_b2, sigma_e2 : float >= 0
        Between-patient and noise variances.
    g : int, optional, keyword-only
        Number of patients (required when ``n`` is a scalar; must match ``len(n)`` otherwise).
    mu : float, keyword-only
        Population mean.
    effects : {'gaussian', 'two_point'}, keyword-only
        Distribution of b_i (:data:`EFFECTS`): N(0, σ_b²), or ±σ_b with probability 1/2.
    seed : int >= 0 or numpy.random.Generator, keyword-only
        Required: every draw in the course is seeded.

    Returns
    -------
    OnewaySample
        ``y``, ``group``, ``n``, the true ``b`` and ``true_mean``, ``group_means``.

    Raises
    ------
    ValueError
        Missing or negative ``seed``; ``g`` missing or inconsistent with ``n``;
        bad ``n`` or variances (see :meth:`StandardDraws.sample`).

    Examples
    --------
    >>> s = simulate_oneway([2, 20], 25.0, 100.0, mu=100.0, seed=3)   # Alice and Bob
    >>> s.n.tolist(), s.y.shape
    ([2, 20], (22,))
    >>> bool(np.allclose(s.true_mean, 100.0 + s.b))
    True
    """
    if np.ndim(n) == 0:
        if g is None:
            raise ValueError("g (the number of patients) is required when n is a single number")
        g = check_whole(g, "g")
        n_max = int(check_counts(n, "n"))
    else:
        n_vec = as_float_array(n, "n", ndim=1)
        if g is not None and check_whole(g, "g") != n_vec.size:
            raise ValueError(f"g must equal the number of entries of n ({n_vec.size}); got {g}")
        g = n_vec.size
        n_max = int(np.max(check_counts(n_vec, "n")))
    if n_max < 1:
        raise ValueError("n must be >= 1 for every patient (a patient with no readings has no mean to pool)")
    return StandardDraws(g, n_max, seed=seed, effects=effects).sample(n, sigma_b2, sigma_e2, mu)


def draw_effects(size, sigma_b2, *, effects: str = "gaussian", seed) -> np.ndarray:
    r"""Draw ``size`` effects b with mean 0 and variance σ_b²: Gaussian, or ±σ_b with probability 1/2.

    Parameters
    ----------
    size : int or tuple of int
    sigma_b2 : float >= 0
    effects : {'gaussian', 'two_point'}, keyword-only
    seed : int >= 0 or numpy.random.Generator, keyword-only
        A lesson that draws several times passes its one Generator (``rng``).

    Examples
    --------
    >>> b = draw_effects(4, 9.0, effects="two_point", seed=0)
    >>> sorted(set(np.abs(b).tolist()))                  # every effect is ±3
    [3.0]
    """
    effects = check_choice(effects, "effects", EFFECTS)
    sd = np.sqrt(check_variance(sigma_b2, "sigma_b2"))
    if np.ndim(sd) != 0:
        raise ValueError(f"sigma_b2 must be a single number; got shape {np.shape(sigma_b2)}")
    return sd * _standard_effects(size, effects, check_seed(seed))
