"""blupteach: the mathematics and the drawing behind the BLUP course.

Lessons do ``import blupteach as bt`` and call the functions re-exported here;
``bt.panels`` holds one live figure per lesson panel, ``bt.datasets`` the data.
"""

from . import datasets, panels
from .oneway import (
    OnewayFit,
    blup,
    fit_oneway,
    gls_mean,
    oneway_loglik,
    oneway_stats,
    partial_pooling,
    shrinkage_weight,
)
from .coverage import CoverageResult, conditional_coverage, simulate_coverage
from .intervals import prediction_interval, prediction_variance_parts, variance_parts, variance_parts_mme
from .name_game import (
    blup_matrix,
    draw_groups,
    gaussian_posterior_mean,
    linear_predictor_mse,
    two_point_posterior_mean,
)
from .mixed import LmmFit, fit_lmm, mme
from .penalized import (
    bias_variance,
    blup_lambda,
    cv_lambda,
    generalized_ridge,
    indicator_design,
    penalized_objective,
    ridge,
    ridge_path,
)
from .simulate import OnewaySample, StandardDraws, score_pooling, simulate_oneway
from .widgets import Panel, Slider

__all__ = [
    "datasets",
    "panels",
    "OnewayFit",
    "blup",
    "fit_oneway",
    "gls_mean",
    "oneway_loglik",
    "oneway_stats",
    "partial_pooling",
    "shrinkage_weight",
    "OnewaySample",
    "StandardDraws",
    "simulate_oneway",
    "score_pooling",
    "prediction_variance_parts",
    "prediction_interval",
    "variance_parts",
    "variance_parts_mme",
    "CoverageResult",
    "simulate_coverage",
    "conditional_coverage",
    "blup_matrix",
    "draw_groups",
    "linear_predictor_mse",
    "two_point_posterior_mean",
    "gaussian_posterior_mean",
    "fit_lmm",
    "mme",
    "LmmFit",
    "blup_lambda",
    "indicator_design",
    "penalized_objective",
    "ridge",
    "ridge_path",
    "generalized_ridge",
    "cv_lambda",
    "bias_variance",
    "Panel",
    "Slider",
]
__version__ = "0.1.0"
