"""Drive the course in a real browser: JupyterLab (or Voilà) from ``.venv`` + Debian's Chromium.

Shared by the browser tests (``tests/browser/``) and the latency benchmark
(``benchmarks/bench_browser.py``).  Playwright cannot download its own browser
here, so it drives ``/usr/bin/chromium`` (Debian's ``chromium`` package) through
``executable_path``.

Pieces
------
``find_chromium()``            the browser binary, or None
``panel_lessons()``            lessons whose code calls ``bt.panels.`` (the ones with a live panel)
``write_code_notebook()``      a throwaway notebook of code cells under ``build/`` for ``LabPage.open``
``Server``                     JupyterLab / Voilà on a free port with a random token; stopped on exit
``open_browser()``             a fresh Chromium profile (headless, no background networking)
``LabPage``                    open a notebook, run all cells, find panels, read pixels, time a slider move
                               or a dropdown choice;
                               ``.errors``: every console error and uncaught exception (none is tolerated)
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from slides_metadata import PANEL_CALL, cell_source  # its sibling in tools/: one rule for "this cell builds a live panel"

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
VENV_BIN = ROOT / ".venv" / "bin"

# Without the background-networking flags the closed network here refuses Chromium's
# own connections (many at a time); a fresh profile keeps runs independent.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
WIDGET_ERRORS = ("Error displaying widget", "Click to show javascript error")


def find_chromium() -> str | None:
    """Path of Debian's Chromium (``$CHROMIUM`` overrides), or None when it is not installed."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def notebook_code(path: Path) -> list[str]:
    """Source of every code cell of a notebook."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return [cell_source(cell) for cell in nb.get("cells", []) if cell.get("cell_type") == "code"]


def panel_calls(path: Path) -> int:
    """How many code cells of a notebook call a ``bt.panels.<factory>(...)``."""
    return sum(1 for src in notebook_code(path) if PANEL_CALL.search(src))


def panel_lessons() -> list[Path]:
    """Lessons (``lessons/NN_*.ipynb``) whose code builds at least one live panel."""
    return [p for p in sorted(LESSONS.glob("[0-9][0-9]_*.ipynb")) if panel_calls(p) > 0]


def write_code_notebook(path: Path, sources: list[str]) -> str:
    """Write a notebook of code cells ``sources`` (python3 kernel) to ``path``.

    Returns its path relative to the repository, as ``LabPage.open`` takes it.
    """
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": src}
             for src in sources]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}}}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return str(path.relative_to(ROOT))


def panels_shown_in_lessons() -> set:
    """Names of the ``bt.panels`` factories some lesson calls (``bt.panels.<name>(``)."""
    import re
    found = set()
    for nb in sorted((ROOT / "lessons").glob("*.ipynb")):
        found |= set(re.findall(r"bt\.panels\.(\w+)\(", nb.read_text(encoding="utf-8")))
    return found


def all_panels_notebook(unshown_only: bool = False) -> tuple[str, int]:
    """A notebook that shows every factory in ``bt.panels`` callable with no arguments: (path, count).

    ``unshown_only``: only those no lesson shows (the lessons' own browser tests drive the rest).
    """
    import inspect

    import blupteach.panels as panels

    def no_required_args(f) -> bool:   # panel factories; helpers such as cv_figure(cv, lam_reml) are not
        return callable(f) and all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                                   for p in inspect.signature(f).parameters.values())
    names = [n for n in panels.__all__ if no_required_args(getattr(panels, n))]
    if unshown_only:
        shown = panels_shown_in_lessons()
        names = [n for n in names if n not in shown]
    sources = ["%matplotlib widget\nimport blupteach as bt", *(f"bt.panels.{name}()" for name in names)]
    name = "unshown_panels.ipynb" if unshown_only else "all_panels.ipynb"   # two browser sessions may run at once
    return write_code_notebook(ROOT / "build" / "browser" / name, sources), len(names)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, n: int = 40, *, keep=None) -> str:
    """The last ``n`` lines of the log file ``path`` ("" if it cannot be read).

    ``keep``, a predicate on a line, picks lines first (the warnings of a long log, say).
    """
    with contextlib.suppress(OSError):
        lines = path.read_text(errors="replace").splitlines()
        return "\n".join([ln for ln in lines if keep is None or keep(ln)][-n:])
    return ""


class Server:
    """JupyterLab (``kind='lab'``) or Voilà (``kind='voila'``) from ``.venv``, stopped on exit.

    Runs in its own process group on 127.0.0.1, a free port and a random token;
    ``with Server(...) as srv:`` waits until it answers and kills the whole group
    afterwards, also when the body raised.  ``srv.url(path)`` adds the token.
    """

    def __init__(self, kind: str = "lab", *, root: Path = ROOT, args: list[str] | None = None,
                 timeout: float = 60.0, log: Path | None = None, env: dict | None = None):
        self.kind, self.root, self.extra, self.timeout = kind, Path(root), list(args or []), timeout
        self.base_env = dict(env if env is not None else os.environ)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log or Path(tempfile.mkstemp(prefix=f"blupteach-{kind}-", suffix=".log")[1])
        self.proc = None
        self.tmp = tempfile.TemporaryDirectory(prefix=f"blupteach-{kind}-home-")

    def command(self) -> list[str]:
        common = [f"--port={self.port}", "--no-browser"]
        if self.kind == "lab":
            cmd = [str(VENV_BIN / "jupyter"), "lab", *common, "--ip=127.0.0.1", f"--ServerApp.root_dir={self.root}",
                   f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
                   "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--ServerApp.disable_check_xsrf=False", "--LabServerApp.workspaces_dir=" + self.tmp.name]
            settings = Path(self.tmp.name) / "settings"
            for plugin, value in {"@jupyterlab/apputils-extension/notification": {"fetchNews": "false"}}.items():
                f = settings / f"{plugin}.jupyterlab-settings"
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_text(json.dumps(value))
            cmd.append(f"--LabServerApp.user_settings_dir={settings}")
            if os.geteuid() == 0:
                cmd.append("--allow-root")
        elif self.kind == "voila":
            cmd = [str(VENV_BIN / "voila"), *common, "--Voila.ip=127.0.0.1", f"--token={self.token}"]
        else:
            raise ValueError(f"kind must be 'lab' or 'voila'; got {self.kind!r}")
        return cmd + self.extra

    def url(self, path: str = "", **query) -> str:
        query = {**query, "token": self.token}
        sep = "&" if "?" in path else "?"
        tail = "&".join(k if v is None else f"{k}={v}" for k, v in query.items())
        return f"{self.base}/{path.lstrip('/')}{sep}{tail}"

    def __enter__(self) -> "Server":
        env = {**self.base_env, "JUPYTER_CONFIG_DIR": str(Path(self.tmp.name) / "config"),
               "JUPYTER_RUNTIME_DIR": str(Path(self.tmp.name) / "runtime"),
               "PYTHONUNBUFFERED": "1"}
        for var in ("JUPYTER_TOKEN", "MPLBACKEND"):   # the lesson itself must pick ipympl
            env.pop(var, None)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._logf = open(self.log, "wb")
        self.proc = subprocess.Popen(self.command(), cwd=self.root, stdout=self._logf,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self) -> None:
        probe = self.url("api/status") if self.kind == "lab" else self.url("")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}; log:\n{self.tail()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(probe, timeout=2) as r:
                    if r.status == 200 and self.kind == "lab":
                        return
            if self.kind == "voila":   # voila renders the whole notebook on the first GET: just wait for the port
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                    return
            time.sleep(0.3)
        raise TimeoutError(f"{self.kind} did not answer within {self.timeout:.0f} s; log:\n{self.tail()}")

    def tail(self, n: int = 40) -> str:
        return log_tail(self.log, n)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if getattr(self, "_logf", None):
            self._logf.close()
        self.tmp.cleanup()

    def __exit__(self, *exc) -> None:
        self.stop()


def shutdown_kernels(server: Server) -> None:
    """Delete every session (and its kernel) on ``server``, so kernels do not pile up."""
    with urllib.request.urlopen(server.url("api/sessions"), timeout=10) as r:
        sessions = json.load(r)
    for s in sessions:
        req = urllib.request.Request(server.url(f"api/sessions/{s['id']}"), method="DELETE")
        urllib.request.urlopen(req, timeout=10).close()


@contextlib.contextmanager
def open_browser(playwright, chromium: str, *, viewport=(1400, 1000)):
    """A headless Chromium with a fresh ``--user-data-dir``, closed (and the profile removed) on exit."""
    with tempfile.TemporaryDirectory(prefix="blupteach-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1)
        try:
            yield context
        finally:
            context.close()


# --- in-page helpers ---------------------------------------------------------------------
# A cheap fingerprint of the ipympl canvas (the first <canvas> of a figure holds the image).
JS_FINGERPRINT = """(fig) => {
  const c = fig.querySelector('canvas');
  if (!c || !c.width || !c.height) return null;
  const d = new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer);
  let h = 2166136261 >>> 0, ink = 0;
  for (let i = 0; i < d.length; i++) { h = Math.imul(h ^ d[i], 16777619) >>> 0; if (d[i] !== 0 && d[i] !== 0xffffffff) ink++; }
  return {hash: h, ink: ink, w: c.width, h: c.height};
}"""
JS_ARM = """(fig) => {
  const fp = (%s)(fig);
  window.__bt_probe = {before: fp ? fp.hash : null, t0: performance.now(), t1: null};
  return fp;
}""" % JS_FINGERPRINT
JS_CHANGED = """(fig) => {
  const fp = (%s)(fig);
  const p = window.__bt_probe;
  if (fp && fp.hash !== p.before) { p.t1 = performance.now(); return p.t1 - p.t0; }
  return false;
}""" % JS_FINGERPRINT


class FigureNotDrawn(AssertionError):
    """An ipympl figure never showed a complete picture."""


class LabPage:
    """One JupyterLab page in a browser context, with the errors it logged."""

    def __init__(self, context, server: Server):
        self.server = server
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text}")

    # -- opening and running ------------------------------------------------------------
    def open(self, nb_path: str, timeout: float = 60_000) -> None:
        """Open ``nb_path`` (relative to the server root) fresh, wait until the kernel is idle."""
        self.page.goto(self.server.url(f"lab/tree/{nb_path}", reset=None), timeout=timeout)
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout)
        self.wait_idle(timeout)

    def wait_idle(self, timeout: float = 60_000) -> None:
        # Ready = the status bar says Idle and the notebook has cells (the toolbar indicator is early).
        self.page.wait_for_function(
            """() => { const s = document.querySelector('#jp-main-statusbar');
                      return s && /\\|\\s*Idle/.test(s.textContent)
                             && document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length > 0; }""",
            timeout=timeout)

    def run_all(self, timeout: float = 180_000) -> None:
        """Run → Run All Cells (the menu a learner uses), then wait until every code cell ran.

        Raises AssertionError with the failing cell's output when execution stopped early
        (a cell raised): JupyterLab then leaves the later cells unrun (``[ ]``).
        """
        page = self.page
        prompts = ".jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt"
        page.locator(".jp-NotebookPanel .jp-Cell").first.click()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        # queued cells show [*] at once; then each gets its number, or execution stops at an error
        page.wait_for_function(
            """(sel) => [...document.querySelectorAll(sel)].some(p => p.textContent.includes('[*]'))""",
            arg=prompts, polling="raf", timeout=timeout)
        # done = no [*] left and the kernel idle, held for 1.5 s (both flicker between two cells)
        page.wait_for_function(
            """(sel) => { const ps = [...document.querySelectorAll(sel)].map(p => p.textContent);
                          const s = document.querySelector('#jp-main-statusbar');
                          const done = !ps.some(t => t.includes('[*]')) && s && /\\|\\s*Idle/.test(s.textContent);
                          const w = window.__bt_done || (window.__bt_done = {since: null});
                          if (!done) { w.since = null; return false; }
                          if (w.since === null) w.since = performance.now();
                          return performance.now() - w.since >= 1500; }""",
            arg=prompts, polling=100, timeout=timeout)
        page.evaluate("() => { window.__bt_done = null; }")
        # textContent, not innerText: JupyterLab's content-visibility leaves innerText of off-screen cells empty
        texts = page.eval_on_selector_all(prompts, "ps => ps.map(p => p.textContent)")
        unrun = [i for i, t in enumerate(texts) if not re.search(r"\[\d+\]", t)]
        if unrun:
            failing = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(max(unrun[0] - 1, 0))
            failing.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            out = "\n".join(failing.locator(".jp-OutputArea-output").all_inner_texts())
            raise AssertionError(f"Run All stopped: code cell {unrun[0]} and later did not run; "
                                 f"code cell {unrun[0] - 1} shows:\n{out[-1500:]}")

    # -- panels -------------------------------------------------------------------------
    def figures(self):
        return self.page.locator(".jp-OutputArea-output .jupyter-matplotlib-figure")

    def wait_figures(self, count: int, timeout: float = 30_000) -> None:
        """Wait until at least ``count`` ipympl figures are in the page (after Run All)."""
        js = "() => document.querySelectorAll('.jp-OutputArea-output .jupyter-matplotlib-figure').length"
        try:
            self.page.wait_for_function(f"(n) => ({js})() >= n", arg=count, timeout=timeout)
        except Exception as exc:
            if "Timeout" not in type(exc).__name__:
                raise
            raise AssertionError(
                f"{self.page.evaluate(js)} live (ipympl) figure(s) on the page, expected at least {count}: "
                f"a learner sees no live figure (is `%matplotlib widget` the first line?)") from None

    def wait_drawn(self, figure, quiet_ms: float = 600, timeout: float = 30_000) -> None:
        """Scroll ``figure`` into view; wait until it shows ink and its pixels stay still for ``quiet_ms``.

        (First images arrive in pieces, and JupyterLab may not lay out cells far off screen.)
        """
        figure.scroll_into_view_if_needed()
        try:
            self._wait_drawn(figure, quiet_ms, timeout)
        except Exception as exc:
            if "Timeout" not in type(exc).__name__ and "Timeout" not in str(exc):
                raise
            fp = self.fingerprint(figure)
            raise FigureNotDrawn(f"a live figure stayed blank or unfinished for {timeout / 1000:.0f} s "
                                 f"(canvas {fp}); a learner sees an empty or fragmented figure") from None

    def _wait_drawn(self, figure, quiet_ms, timeout) -> None:
        self.page.wait_for_function(
            """([g, fp, quiet]) => { const x = eval(fp)(g);
                 const w = g.__bt_still || (g.__bt_still = {key: null, since: 0});
                 const key = x && x.ink > 1000 ? x.hash : null;
                 if (key === null || w.key !== key) { w.key = key; w.since = performance.now(); return false; }
                 return performance.now() - w.since >= quiet; }""",
            arg=[figure.element_handle(), JS_FINGERPRINT, quiet_ms], polling=100, timeout=timeout)

    def fingerprint(self, figure) -> dict:
        return figure.evaluate(JS_FINGERPRINT)

    def cell_of(self, figure):
        return figure.locator("xpath=ancestor::div[contains(@class,'jp-Cell')][1]")

    def sliders(self, figure):
        """The slider handles shown in the same cell as ``figure`` (the panel's controls)."""
        return self.cell_of(figure).locator(".widget-slider")

    def dropdowns(self, figure):
        """The ``<select>`` of each ipywidgets Dropdown in the same cell as ``figure``."""
        return self.cell_of(figure).locator(".widget-dropdown select")

    def timed_select(self, figure, select, index: int, timeout: float = 10_000) -> float:
        """Milliseconds from choosing option ``index`` of ``select`` to changed pixels on ``figure``."""
        figure.evaluate(JS_ARM)
        select.select_option(index=index)
        changed = self.page.wait_for_function(JS_CHANGED, arg=figure.element_handle(), polling="raf",
                                              timeout=timeout)
        return float(changed.json_value())

    def timed_move(self, figure, slider, key: str, timeout: float = 10_000) -> float:
        """Milliseconds from a key press on ``slider`` to changed pixels on ``figure``."""
        handle = slider.locator(".noUi-handle[role=slider]").first
        handle.focus()
        figure.evaluate(JS_ARM)
        self.page.keyboard.press(key)
        changed = self.page.wait_for_function(JS_CHANGED, arg=figure.element_handle(), polling="raf",
                                              timeout=timeout)
        return float(changed.json_value())

    def widget_errors(self) -> list[str]:
        """Widget failures shown in cell outputs (not prose that merely mentions them)."""
        shown = "\n".join(self.page.eval_on_selector_all(".jp-OutputArea-output", "os => os.map(o => o.textContent)"))
        return [e for e in WIDGET_ERRORS if e in shown]


def selected_of(select) -> tuple[int, int, str]:
    """``(selected index, number of options, selected label)`` of one dropdown's ``<select>``."""
    return tuple(select.evaluate("s => [s.selectedIndex, s.options.length, s.options[s.selectedIndex]?.text ?? '']"))


def state_of(slider) -> tuple[str | None, str]:
    """``(aria-valuenow, readout text)`` of one ipywidgets slider."""
    handle = slider.locator(".noUi-handle[role=slider]").first
    return handle.get_attribute("aria-valuenow"), slider.locator(".widget-readout").inner_text().strip()


if __name__ == "__main__":   # quick manual check: list the lessons with panels
    print("chromium:", find_chromium())
    for p in panel_lessons():
        print(p.relative_to(ROOT), panel_calls(p))
    sys.exit(0)
