"""JupyterHub for a class on one machine: ``make hub`` runs it, ``make test-hub`` tests it.

Every student server is ``jupyterhub-singleuser`` from the course's ``.venv`` (JupyterLab,
ipympl, nbgitpuller, the course package, and the overrides file that ``binder/postBuild``
installs), started by jupyterhub's own ``SimpleLocalProcessSpawner``: one home folder per
student under ``BLUPTEACH_HUB_HOMES``, all processes run as the hub's own user.  Login is
jupyterhub's ``DummyAuthenticator`` (any user name; the password ``BLUPTEACH_HUB_PASSWORD`` if
set).  That is right for a test, a workshop on a closed network or a single-user laptop; for a
real class replace the two lines marked ``REAL CLASS`` (an authenticator that checks people,
and ``LocalProcessSpawner`` with one system account per student), or go to Kubernetes with
``hub/z2jh/config.yaml``.

The idle culler (jupyterhub-idle-culler, a hub service) stops a student server after
``BLUPTEACH_CULL_TIMEOUT`` seconds without activity (default 3600: see the README's hub
section for why).

Environment variables (all optional):

=========================  ===============================================  ==========================
variable                   what                                             default
=========================  ===============================================  ==========================
BLUPTEACH_HUB_IP           address the hub listens on                       127.0.0.1
BLUPTEACH_HUB_PORT         its port                                         8000
BLUPTEACH_HUB_STATE        folder for the database, cookie secret, pids     <repo>/build/hub-state
BLUPTEACH_HUB_HOMES        folder of the students' home folders             <repo>/build/hub-homes
BLUPTEACH_HUB_VENV         the course environment                           <repo>/.venv
BLUPTEACH_HUB_PASSWORD     the one password the dummy login accepts          (any password)
BLUPTEACH_HUB_API_TOKEN    a token with admin rights (tests, benchmarks)    (none)
BLUPTEACH_CULL_TIMEOUT     idle seconds before a server is stopped          3600
=========================  ===============================================  ==========================
"""

import os
import socket
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (jupyterhub's config loader defines it)

ROOT = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("BLUPTEACH_HUB_STATE", ROOT / "build" / "hub-state"))
HOMES = Path(os.environ.get("BLUPTEACH_HUB_HOMES", ROOT / "build" / "hub-homes"))
VENV = Path(os.environ.get("BLUPTEACH_HUB_VENV", ROOT / ".venv"))
CULL_TIMEOUT = int(os.environ.get("BLUPTEACH_CULL_TIMEOUT", 3600))
STATE.mkdir(parents=True, exist_ok=True)
HOMES.mkdir(parents=True, exist_ok=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- where it listens, where it keeps its state ------------------------------------------------
c.JupyterHub.ip = os.environ.get("BLUPTEACH_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("BLUPTEACH_HUB_PORT", 8000))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = _free_port()            # the hub's internal API; any free port
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True             # stopping the hub stops the students' servers

# --- the proxy: configurable-http-proxy from hub/node_modules (make test-hub / make hub install it)
c.ConfigurableHTTPProxy.command = [str(ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")

# --- who may log in: REAL CLASS: an authenticator that checks people (e.g. nativeauthenticator)
c.JupyterHub.authenticator_class = "dummy"
if os.environ.get("BLUPTEACH_HUB_PASSWORD"):
    c.DummyAuthenticator.password = os.environ["BLUPTEACH_HUB_PASSWORD"]
c.Authenticator.allow_all = True

# --- each student's server: REAL CLASS: "localprocess" with one system account per student
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
# answer_yes: stop at the hub's first SIGINT (jupyter_server would ask "Shutdown? (y/[n])" with no
# one to answer, and the hub would wait 10 s before its SIGTERM)
c.Spawner.args = ["--ServerApp.answer_yes=True", *(["--allow-root"] if os.geteuid() == 0 else [])]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "PATH": f"{VENV / 'bin'}:/usr/bin:/bin",      # the kernel is the course's python3
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",   # many kernels, few cores
}
c.Spawner.start_timeout = 180                  # a lecture hall logging in at once on a small machine
c.Spawner.http_timeout = 180
c.Spawner.poll_interval = 10                   # notice a dead server soon (the next login restarts it)

# --- the idle culler and an optional admin token for scripts ------------------------------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_TIMEOUT}",
                "--cull-every=300", "--concurrency=5"],
}]
roles = [{"name": "idle-culler", "services": ["idle-culler"],
          "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]
if os.environ.get("BLUPTEACH_HUB_API_TOKEN"):
    c.JupyterHub.services.append({"name": "blupteach-admin", "api_token": os.environ["BLUPTEACH_HUB_API_TOKEN"]})
    roles.append({"name": "blupteach-admin", "services": ["blupteach-admin"], "scopes": ["admin:users", "admin:servers", "admin:server_state"]})
c.JupyterHub.load_roles = roles
