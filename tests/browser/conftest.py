"""Browser-test fixtures: one JupyterLab from ``.venv`` and one headless Debian Chromium per session.

The server runs on 127.0.0.1, a free port and a random token (``--allow-root`` when root) and
is stopped when the session ends, also after a failure.  Without ``/usr/bin/chromium`` these
tests fail with the command that installs it: ``make test-browser-if-possible`` decides whether
to run them at all (CI always does).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))   # labdriver, slides
import build_html  # noqa: E402
import handout  # noqa: E402
import labdriver as ld  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))          # tests/: _notebook_runs
from _notebook_runs import SITE, execute, write_site_page  # noqa: E402

ARTIFACTS = ld.ROOT / "build" / "browser"


@pytest.fixture(scope="session")
def chromium():
    path = ld.find_chromium()
    if path is None:
        pytest.fail("Chromium is not installed: `sudo apt-get install chromium`, then `make test-browser`")
    return path


@pytest.fixture(scope="session")
def playwright_session():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser_context(playwright_session, chromium):
    with ld.open_browser(playwright_session, chromium) as context:
        context.set_default_timeout(60_000)
        yield context


@pytest.fixture(scope="session")
def site():
    """``build/test-site/`` served on 127.0.0.1: a page per lesson (none older than its lesson or the
    exporter settings; the notebook part of ``make test`` wrote them) and MathJax beside them;
    yields the base URL.  Read offline (test_offline_site.py) and audited (test_accessibility.py)."""
    settings = max(p.stat().st_mtime for p in (build_html.CONFIG, *build_html.TEMPLATES.rglob("*.j2")))
    for lesson in build_html.lessons():
        page = SITE / f"{lesson.stem}.html"
        if not page.is_file() or page.stat().st_mtime < max(lesson.stat().st_mtime, settings):
            write_site_page(execute(lesson), lesson)
    build_html.copy_mathjax(SITE)
    with handout.serve(SITE) as base:
        yield base


@pytest.fixture(scope="session")
def lab_server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # make test runs two browser sessions side by side: a log each
    with ld.Server("lab", log=ARTIFACTS / f"jupyterlab-{os.getpid()}.log") as server:
        yield server


@pytest.fixture
def lab(request, browser_context, lab_server):
    """A fresh JupyterLab page; on failure its screenshot lands in ``build/browser/``."""
    page = ld.LabPage(browser_context, lab_server)
    yield page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        shot = ARTIFACTS / f"{request.node.name}.png".replace("/", "_")
        page.page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}\nconsole: {page.errors}\nserver log tail:\n{lab_server.tail()}")
    page.page.close()
    ld.shutdown_kernels(lab_server)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep
