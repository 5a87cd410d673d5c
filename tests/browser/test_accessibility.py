"""axe-core over every static page: no violation of impact "critical" or "serious".

The pages are the ones ``make test``'s notebook part already wrote (each lesson's second run
converted with ``make html``'s settings, ``tests/_notebook_runs.py`` → ``build/test-site/``; the
``site`` fixture builds one only if it is missing or stale) plus the site's ``index.html`` written
here: no lesson is executed again.  Every request off
the machine is blocked, as in a lecture hall without network.  The JupyterLab half of the
audit (one lesson open, its cells' content) runs inside ``test_live_panels.py``, on a page
that test opens anyway.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import axe_audit as ax
import build_html

from _notebook_runs import SITE  # (tests/ is on sys.path: tests/browser/conftest.py)

pytestmark = pytest.mark.browser


def static_pages() -> list[Path]:
    """The lessons' pages from the notebook part (the ``site`` fixture saw to them), and an index of them."""
    lessons = build_html.lessons()
    return [SITE / f"{p.stem}.html" for p in lessons] + [build_html.write_index(lessons, SITE)]


def test_static_pages_have_no_serious_accessibility_violation(browser_context, site):
    why = ax.missing_axe()
    if why and os.environ.get("CI") != "true":
        pytest.skip(why)
    assert why is None, why
    problems, counts = [], {}
    t0 = time.perf_counter()
    for path, found in ax.audit_pages(browser_context, static_pages()).items():
        counts[path.name] = ax.by_impact(found)
        problems += [f"{path.name}: {line}" for line in ax.blocking(found)]
    total = {k: sum(c[k] for c in counts.values()) for k in ax.IMPACTS}
    print(f"axe-core over {len(counts)} static pages ({time.perf_counter() - t0:.1f} s), "
          f"elements by impact: {json.dumps(total)}")
    assert not problems, "\n".join(problems)
