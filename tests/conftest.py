"""Shared test set-up: figures are drawn headless on Agg."""
import matplotlib

matplotlib.use("Agg")
