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
    "Panel",
    "Slider",
]
__version__ = "0.1.0"
