"""Hub-test set-up: ``tools/`` importable, and a plain failure naming the command when the hub tools are missing.

``make test-hub`` installs them (jupyterhub and jupyterhub-idle-culler into ``.venv`` from
``hub/requirements.txt``, configurable-http-proxy into ``hub/node_modules``); ``make
test-hub-if-possible`` decides whether to run these tests at all (CI always does).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))   # hubdriver, hubclass, kernelws
import hubdriver as hd  # noqa: E402


@pytest.fixture(scope="session")
def hub_tools():
    missing = hd.hub_tools_missing()
    if missing:
        pytest.fail(f"the hub tools are not installed ({', '.join(missing)}): run `make test-hub`")
