"""Shared test set-up.

- Figures are drawn headless on Agg (the lesson notebooks run in their own
  kernels under nbval, with ipympl; this does not touch them).
- Notebook items (nbval cells of ``lessons/*.ipynb``) get the ``notebooks``
  marker, so ``-m "not notebooks"`` gives the quick package-only run.
- Figures opened by a test module are closed after it.
- hypothesis runs derandomized (the same examples every run: a red test stays
  red until fixed) and without per-example deadlines (the machine is shared).
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("blupteach", derandomize=True, deadline=None, database=None)
settings.load_profile("blupteach")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(getattr(item, "fspath", "")).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebooks)


@pytest.fixture(autouse=True, scope="module")
def _close_figures():
    yield
    plt.close("all")
