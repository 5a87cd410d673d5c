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
same numbers.  :func:`simulate_oneway` is the one-shot version;
:func:`score_pooling` scores complete, no and partial pooling against the
truth.  Lessons 01, 02.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import as_float_array, check_counts, check_variance, check_whole
from .oneway import gls_mean, partial_pooling

__all__ = ["OnewaySample", "StandardDraws", "simulate_oneway", "score_pooling"]


def _check_seed(seed):
    if seed is None or isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"seed must be a whole number >= 0 (every draw is seeded so that notebooks "
            f"print the same numbers each run); got {seed!r}"
        )
    return int(seed)


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

    def frame(self) -> pd.DataFrame:
        """The readings as a DataFrame with columns ``patient`` and ``y`` (for :func:`fit_oneway`)."""
        return pd.DataFrame({"patient": self.group, "y": self.y})


class StandardDraws:
    r"""Standard normals for ``g`` patients drawn once; rescaled on every :meth:`sample`.

    Parameters
    ----------
    g : int >= 1
        Number of patients.
    n_max : int >= 1
        Most readings any patient can be given later.
    seed : int >= 0, keyword-only
        Seed of ``numpy.random.default_rng``.

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

    def __init__(self, g: int, n_max: int, *, seed: int):
        self.g = check_whole(g, "g")
        self.n_max = check_whole(n_max, "n_max")
        self.seed = _check_seed(seed)
        rng = np.random.default_rng(self.seed)
        self.z_b = rng.standard_normal(self.g)
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
        mu = float(as_float_array(mu, "mu", ndim=0))
        keep = np.arange(self.n_max) < n_arr[:, None]          # first n_i readings of patient i
        b = np.sqrt(sigma_b2) * self.z_b
        y = mu + b[:, None] + np.sqrt(sigma_e2) * self.z_e      # (g, n_max); row-major = patient by patient
        group = np.repeat(np.arange(self.g), n_arr)
        return OnewaySample(y=y[keep], group=group, n=n_arr.copy(), b=b, mu=mu,
                            sigma_b2=sigma_b2, sigma_e2=sigma_e2)


def simulate_oneway(n, sigma_b2, sigma_e2, *, g: int | None = None, mu: float = 0.0, seed: int) -> OnewaySample:
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
    seed : int >= 0, keyword-only
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
    return StandardDraws(g, n_max, seed=seed).sample(n, sigma_b2, sigma_e2, mu)


def score_pooling(sample: OnewaySample):
    r"""Return the three estimates of every patient's mean and their mean squared errors.

    With the variances known (the values ``sample`` was drawn with):

    * complete pooling: the grand mean of all readings, :math:`\bar y_{\cdot\cdot}`, for everyone;
    * no pooling: each patient's own mean :math:`\bar y_i`;
    * partial pooling (the BLUP): :math:`w_i\bar y_i + (1-w_i)\hat\mu`, with
      :math:`w_i = n_i\sigma_b^2/(n_i\sigma_b^2+\sigma_\varepsilon^2)` and μ̂ the GLS mean.

    Parameters
    ----------
    sample : OnewaySample

    Returns
    -------
    estimates : dict of ndarray, shape (g,)
        Keys ``"complete"``, ``"no"``, ``"partial"``.
    mse : dict of float
        :math:`\frac1g\sum_i(\text{estimate}_i - (\mu+b_i))^2` for each key.

    Examples
    --------
    >>> s = simulate_oneway(3, 25.0, 100.0, g=200, mu=100.0, seed=1)
    >>> est, mse = score_pooling(s)
    >>> bool(mse["partial"] < min(mse["complete"], mse["no"]))
    True
    """
    if not isinstance(sample, OnewaySample):
        raise ValueError(f"sample must be an OnewaySample (from simulate_oneway); got {type(sample).__name__}")
    ybar = sample.group_means
    mu_hat, _ = gls_mean(ybar, sample.n, sample.sigma_b2, sample.sigma_e2)
    estimates = {
        "complete": np.full(sample.g, sample.y.mean()),
        "no": ybar,
        "partial": partial_pooling(ybar, sample.n, mu_hat, sample.sigma_b2, sample.sigma_e2),
    }
    mse = {k: float(np.mean((v - sample.true_mean) ** 2)) for k, v in estimates.items()}
    return estimates, mse
