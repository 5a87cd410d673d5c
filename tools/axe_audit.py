"""Accessibility audit with axe-core: a static page or a JupyterLab notebook, violations by impact.

axe-core (npm, pinned in ``package.json``, installed into ``./node_modules`` by ``make``) is
injected into a playwright page and run there; nothing is fetched at run time.  The browser
tests use :func:`audit` (``tests/browser/test_accessibility.py`` on the static pages,
``tests/browser/test_live_panels.py`` on one lesson open in JupyterLab); the command line counts
the violations of some static pages, for the note that lists them before and after a fix::

    python tools/axe_audit.py build/html/*.html      # one line per page: counts by impact

Only the course's own content is audited in JupyterLab (``LAB_CONTENT``: the notebook's rendered
prose and cell outputs): the code editors, menus and side bars are JupyterLab's, not the course's
(its CodeMirror editors have no accessible name, for instance: an upstream matter).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")          # the bar: none of these
#: In JupyterLab: the open notebook's rendered prose and cell outputs (figures, sliders, tables).
LAB_CONTENT = {"include": [[".jp-NotebookPanel-notebook .jp-MarkdownOutput"],
                           [".jp-NotebookPanel-notebook .jp-OutputArea"]]}


def missing_axe() -> str | None:
    """Why axe cannot run (a sentence naming the command that installs it), or None."""
    if AXE_JS.is_file():
        return None
    return f"axe-core is not installed ({AXE_JS.relative_to(ROOT)} missing): run `npm install` in {ROOT}"


def audit(page, context: str | dict | None = None) -> list[dict]:
    """Run axe-core in ``page`` over ``context`` (a CSS selector, an axe context such as
    :data:`LAB_CONTENT`, or None for the whole page); its violations.

    Each violation is axe's dict: ``id``, ``impact``, ``help`` and ``nodes`` (each with ``target``).
    """
    why = missing_axe()
    if why:
        raise FileNotFoundError(why)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """(ctx) => axe.run(typeof ctx === 'string' ? document.querySelector(ctx) : (ctx || document),
                            {resultTypes: ['violations']})""", context)
    return result["violations"]


def audit_pages(context, paths, jobs: int = 2) -> dict[Path, list[dict]]:
    """Violations of each static page in ``paths``, ``jobs`` pages audited at once (each tab has its own process)."""
    why = missing_axe()
    if why:
        raise FileNotFoundError(why)
    paths, found = [Path(p) for p in paths], {}
    for start in range(0, len(paths), jobs):
        batch = [(p, static_page(context, p)) for p in paths[start:start + jobs]]
        for _, page in batch:        # start every audit of the batch, then collect them
            page.add_script_tag(path=str(AXE_JS))
            page.evaluate("""() => { window.__btAxe = null;
                axe.run(document, {resultTypes: ['violations']}).then(r => { window.__btAxe = r.violations; }); }""")
        for p, page in batch:
            page.wait_for_function("() => window.__btAxe !== null", polling=200, timeout=300_000)
            found[p] = page.evaluate("() => window.__btAxe")
            page.close()
    return found


def by_impact(violations: list[dict]) -> dict[str, int]:
    """Number of failing elements per impact (every impact in :data:`IMPACTS`, 0 when none)."""
    counts = Counter()
    for v in violations:
        counts[v.get("impact") or "minor"] += len(v["nodes"])
    return {k: counts.get(k, 0) for k in IMPACTS}


def blocking(violations: list[dict]) -> list[str]:
    """One line per critical or serious violation: rule, impact, help text and up to three elements."""
    lines = []
    for v in violations:
        if v.get("impact") in BLOCKING:
            where = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
            more = f" (+{len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else ""
            lines.append(f"{v['impact']} {v['id']}: {v['help']} — {len(v['nodes'])} element(s): {where}{more}")
    return lines


def static_page(context, path: Path):
    """Open a static page in a new tab of ``context`` with every request off 127.0.0.1/file blocked,
    and wait until MathJax has typeset it (so the audit reads the formulas a reader gets, not
    their TeX source half way through typesetting)."""
    from handout import JS_TYPESET   # sibling in tools/: one rule for "typeset"

    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               or "127.0.0.1" in route.request.url else route.abort())
    page.goto(Path(path).resolve().as_uri(), wait_until="load")
    page.evaluate(JS_TYPESET)        # -1 on a page without MathJax (the index): nothing to wait for
    return page


def main(argv=None) -> int:
    """Print the counts by impact of each static page given, and the blocking violations."""
    from playwright.sync_api import sync_playwright

    import labdriver as ld   # sibling in tools/

    pages = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    if not pages:
        print("usage: python tools/axe_audit.py PAGE.html ...", file=sys.stderr)
        return 2
    total = Counter()
    with sync_playwright() as pw, ld.open_browser(pw, ld.find_chromium()) as context:
        for p, found in audit_pages(context, pages).items():
            counts = by_impact(found)
            total.update(counts)
            print(f"{p.name}: {json.dumps(counts)}")
            for line in blocking(found):
                print(f"    {line}")
    print(f"total: {json.dumps({k: total.get(k, 0) for k in IMPACTS})}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
