"""A class on a real JupyterHub, driven over HTTP: ``tests/hub/`` and ``benchmarks/bench_hub.py``.

Pieces
------
``hub_tools_missing()``  what is not installed (jupyterhub in ``.venv``, the proxy in hub/node_modules)
``bare_clone()``         a local bare clone of this repository (branch ``course``): the course as students pull it
``pull_link()``          the course's nbgitpuller link for a hub, a repository and a notebook
``Hub``                  ``hub/jupyterhub_config.py`` on 127.0.0.1 and a free port; stopped on exit
``Student``              one student's browser session: log in, follow the link, open a kernel,
                         read and save files (Jupyter's REST API, the kernel websocket)
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse as up
from pathlib import Path

from labdriver import ROOT, free_port, log_tail   # its sibling in tools/

HUB_DIR = ROOT / "hub"
PROXY = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
TARGET = "blupteach"                    # the folder the course is pulled into, in each home
LESSON_00 = "lessons/00_start_here.ipynb"


def venv_bin() -> Path:
    """The course environment's ``bin/``: ``$BLUPTEACH_HUB_VENV``, else the one running this (``make``'s ``.venv``)."""
    return Path(os.environ.get("BLUPTEACH_HUB_VENV", sys.prefix)) / "bin"


def hub_tools_missing() -> list[str]:
    """What the hub needs and does not find (empty when everything is there)."""
    missing = []
    for exe in ("jupyterhub", "jupyterhub-singleuser"):
        if not (venv_bin() / exe).is_file():
            missing.append(f"{venv_bin() / exe}")
    if not PROXY.is_file():
        missing.append(str(PROXY))
    return missing


COURSE_BRANCH = "course"


def bare_clone(dest: Path, source: Path = ROOT) -> Path:
    """``git clone --bare source dest/blupteach.git``, with ``source``'s checked-out commit as branch ``course``.

    (A fresh clone in CI may have a detached HEAD: the branch name is ours, not the checkout's.)
    """
    bare = Path(dest) / "blupteach.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(source), str(bare)], check=True)
    head = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()
    subprocess.run(["git", "--git-dir", str(bare), "update-ref", f"refs/heads/{COURSE_BRANCH}", head], check=True)
    return bare


def pull_link(hub_url: str, repo: str, branch: str, notebook: str = LESSON_00) -> str:
    """The nbgitpuller link that pulls ``repo`` into ``~/blupteach`` and opens ``notebook`` in JupyterLab."""
    query = up.urlencode({"repo": repo, "branch": branch, "targetpath": TARGET,
                          "urlpath": f"lab/tree/{TARGET}/{notebook}"})
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


class Hub:
    """JupyterHub with ``hub/jupyterhub_config.py``, its state and the students' homes in ``workdir``.

    ``with Hub(workdir) as hub:`` waits until ``/hub/api/`` answers and stops the hub (and,
    through ``cleanup_servers``, every student server) afterwards; ``hub.admin(...)`` calls
    the REST API with an admin token.
    """

    def __init__(self, workdir: Path, *, timeout: float = 60.0, env: dict | None = None):
        self.workdir = Path(workdir)
        self.homes = self.workdir / "homes"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(24)
        self.timeout = timeout
        self.extra_env = dict(env or {})
        self.log = self.workdir / "jupyterhub.log"
        self.proc = None

    def __enter__(self) -> "Hub":
        env = {**os.environ, "BLUPTEACH_HUB_PORT": str(self.port), "BLUPTEACH_HUB_STATE": str(self.workdir / "state"),
               "BLUPTEACH_HUB_HOMES": str(self.homes), "BLUPTEACH_HUB_API_TOKEN": self.token,
               "BLUPTEACH_HUB_VENV": str(venv_bin().parent), **self.extra_env}
        env.pop("JUPYTERHUB_API_TOKEN", None)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._logf = open(self.log, "wb")
        self.proc = subprocess.Popen([str(venv_bin() / "jupyterhub"), "-f", str(HUB_DIR / "jupyterhub_config.py")],
                                     cwd=self.workdir, env=env, stdout=self._logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self) -> None:
        import requests

        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with {self.proc.returncode}; log:\n{self.tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise TimeoutError(f"jupyterhub did not answer within {self.timeout:.0f} s; log:\n{self.tail()}")

    def admin(self, method: str, path: str, **kw):
        """``requests.request`` on ``/hub/api/<path>`` with the admin token; raises on an HTTP error."""
        import requests

        r = requests.request(method, f"{self.url}/hub/api/{path.lstrip('/')}", timeout=30,
                             headers={"Authorization": f"token {self.token}"}, **kw)
        r.raise_for_status()
        return r

    def server_pid(self, name: str) -> int | None:
        """The process id of ``name``'s running server (from the spawner's state), or None."""
        user = self.admin("GET", f"users/{name}").json()
        server = user.get("servers", {}).get("")
        return (server or {}).get("state", {}).get("pid")

    def wait_stopped(self, name: str, timeout: float = 60.0) -> None:
        """Wait until the hub has noticed that ``name``'s server is gone (its poll)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.admin("GET", f"users/{name}").json().get("servers"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"the hub still lists {name}'s server {timeout:.0f} s after it died")

    def tail(self, n: int = 60) -> str:
        return log_tail(self.log, n)

    def trouble(self, n: int = 40) -> str:
        """The hub's and the servers' last ``n`` warnings and errors, without the routine ones
        (untrusted notebooks, the XSRF check skipped for the test's plain HTTP client)."""
        routine = ("is not trusted", "Skipping XSRF check", "No session ID specified")

        def keep(line: str) -> bool:
            return (line.startswith(("[W ", "[E ", "[C ")) or "Traceback" in line) and not any(r in line for r in routine)
        return log_tail(self.log, n, keep=keep)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self._stop_services()
            self.proc.send_signal(signal.SIGTERM)      # the hub stops the students' servers and the proxy
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        with contextlib.suppress(ProcessLookupError):
            if self.proc is not None:
                os.killpg(self.proc.pid, signal.SIGKILL)   # anything of its session left behind
        if getattr(self, "_logf", None):
            self._logf.close()

    def _stop_services(self) -> None:
        """Kill the hub's managed services (the idle culler) first: on SIGTERM the hub would give
        the culler 20 s of SIGINT/SIGTERM it does not act on before its SIGKILL."""
        import psutil

        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(self.proc.pid).children():
                if "jupyterhub_idle_culler" in " ".join(child.cmdline()):
                    child.kill()

    def __exit__(self, *exc) -> None:
        self.stop()


class Student:
    """One student: a cookie session on the hub, then on their own server ``/user/<name>/``."""

    def __init__(self, hub: Hub, name: str, password: str = "any"):
        import requests

        self.hub, self.name, self.password = hub, name, password
        self.http = requests.Session()
        self.base = f"{hub.url}/user/{name}"
        self.home = hub.homes / name

    def login(self) -> None:
        """The hub's login form (its ``_xsrf`` field included); the hub starts the server."""
        self.http.get(f"{self.hub.url}/hub/login", timeout=30).raise_for_status()
        r = self.http.post(f"{self.hub.url}/hub/login", timeout=60, allow_redirects=False,
                           data={"username": self.name, "password": self.password,
                                 "_xsrf": self.http.cookies.get("_xsrf", path="/hub/")})
        if r.status_code != 302:
            raise AssertionError(f"{self.name}: login answered {r.status_code}, not a redirect:\n{r.text[:500]}")

    def follow(self, link: str, *, timeout: float = 300.0) -> str:
        """Open the nbgitpuller ``link`` as a browser does; return the JupyterLab path it lands on.

        Waits for the spawn (the hub's progress stream), loads nbgitpuller's page, runs the pull
        its script runs (``git-pull/api``, an event stream) and opens the page it redirects to.
        """
        r = self.http.get(link, timeout=60)
        r.raise_for_status()
        if "/hub/spawn-pending/" in r.url or "/hub/spawn/" in r.url:
            self._wait_spawned(timeout)
            target = up.parse_qs(up.urlparse(r.url).query).get("next", [None])[0]
            r = self.http.get(f"{self.hub.url}{target}", timeout=60)
            r.raise_for_status()
        if "/git-pull" not in r.url:
            raise AssertionError(f"{self.name}: the link did not reach nbgitpuller; it ended at {r.url}")
        query = up.parse_qs(up.urlparse(r.url).query)
        self._pull(query, timeout)
        landing = query["urlpath"][0]
        page = self.http.get(f"{self.base}/{landing}", timeout=60)
        page.raise_for_status()
        return landing

    def _wait_spawned(self, timeout: float) -> None:
        with self.http.get(f"{self.hub.url}/hub/api/users/{self.name}/server/progress", stream=True,
                           timeout=timeout, headers={"Accept": "text/event-stream"}) as events:
            events.raise_for_status()
            for line in events.iter_lines():
                if line.startswith(b"data:"):
                    event = json.loads(line[5:])
                    if event.get("ready"):
                        return
                    if event.get("failed"):
                        raise AssertionError(f"{self.name}: the server failed to start: {event.get('message')}")
        raise AssertionError(f"{self.name}: the spawn progress stream ended before the server was ready")

    def _pull(self, query: dict, timeout: float) -> None:
        params = {k: query[k][0] for k in ("repo", "branch", "targetpath") if k in query}
        with self.http.get(f"{self.base}/git-pull/api", params=params, stream=True, timeout=timeout) as events:
            events.raise_for_status()
            for line in events.iter_lines():
                if line.startswith(b"data:"):
                    event = json.loads(line[5:])
                    if event.get("phase") == "finished":
                        return
                    if event.get("phase") == "error":
                        raise AssertionError(f"{self.name}: nbgitpuller failed: {event.get('message')}\n"
                                             f"{event.get('output', '')}")
        raise AssertionError(f"{self.name}: nbgitpuller's stream ended without 'finished'")

    # -- the student's own server ----------------------------------------------------------
    def api(self, method: str, path: str, **kw):
        """``/user/<name>/api/<path>`` with the login cookie (and the XSRF header a page sends)."""
        xsrf = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/") or self.http.cookies.get("_xsrf")
        headers = {"X-XSRFToken": xsrf} if xsrf else {}
        r = self.http.request(method, f"{self.base}/api/{path.lstrip('/')}", timeout=120, headers=headers, **kw)
        r.raise_for_status()
        return r

    def read_notebook(self, path: str) -> dict:
        return self.api("GET", f"contents/{up.quote(path)}", params={"content": 1, "type": "notebook"}).json()["content"]

    def save_notebook(self, path: str, nb: dict) -> None:
        """Save as JupyterLab does (``PUT /api/contents``)."""
        self.api("PUT", f"contents/{up.quote(path)}", json={"type": "notebook", "format": "json", "content": nb})

    def save_file(self, path: str, text: str) -> None:
        self.api("PUT", f"contents/{up.quote(path)}", json={"type": "file", "format": "text", "content": text})

    @contextlib.contextmanager
    def kernel(self, notebook: str, *, timeout: float = 300.0):
        """A kernel session on ``notebook`` (as opening it in JupyterLab makes one): a ``KernelChannel``.

        The websocket URL carries the channel's ``session_id``, as JupyterLab's does, so that a
        reconnect gets the messages sent meanwhile.  The session is deleted on exit unless the
        server is gone.
        """
        import websocket

        from kernelws import KernelChannel

        session = self.api("POST", "sessions", json={"path": notebook, "type": "notebook", "name": "",
                                                     "kernel": {"name": "python3"}}).json()
        ws_url = self.base.replace("http://", "ws://") + f"/api/kernels/{session['kernel']['id']}/channels"
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

        def connect(session_id: str):
            return websocket.create_connection(f"{ws_url}?session_id={session_id}", timeout=60,
                                               header=[f"Cookie: {cookie}"])
        channel = KernelChannel(connect, timeout=timeout)
        try:
            yield channel
        finally:
            channel.close()
            with contextlib.suppress(Exception):
                self.api("DELETE", f"sessions/{session['id']}")
