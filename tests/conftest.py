"""Shared test set-up.

- Figures are drawn headless on Agg (the lesson notebooks run in their own
  kernels under nbval, with ipympl; this does not touch them).
- After nbval's cells of each notebook come two more items that reuse nbval's
  run (``tests/_notebook_runs.py``): ``lesson.ipynb::same numbers twice`` (one
  more execution, compared with nbval's printed text) and, for a lesson with a
  panel, ``lesson.ipynb::static HTML shows every panel`` (that second run as
  ``make html`` writes it).  So each lesson is executed twice in ``make test``.
- Notebook items (nbval cells of ``lessons/*.ipynb`` and the two above) get the
  ``notebooks`` marker, so ``-m "not notebooks"`` gives the quick package-only run.
- ``tools/`` is importable (``build_html``, ``labdriver``, ``slides_metadata``).
- Figures opened by a test module are closed after it.
- hypothesis runs derandomized (the same examples every run: a red test stays
  red until fixed) and without per-example deadlines (the machine is shared).
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from _notebook_runs import add_notebook_checks  # noqa: E402  (also puts tools/ on sys.path)

settings.register_profile("blupteach", derandomize=True, deadline=None, database=None)
settings.load_profile("blupteach")


@pytest.hookimpl(tryfirst=True)     # before -m/-k deselect: the added items are selectable too
def pytest_collection_modifyitems(config, items):
    add_notebook_checks(items)
    for item in items:
        if str(getattr(item, "fspath", "")).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebooks)


@pytest.fixture(autouse=True, scope="module")
def _close_figures():
    yield
    plt.close("all")
