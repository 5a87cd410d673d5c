"""The JupyterLab that `make lab` installs handles widget messages on the kernel's main thread.

JupyterLab 4.6 with ipykernel 7 would otherwise send comm messages (ipympl's draw requests,
slider moves) to a kernel *subshell* thread, concurrently with the cell being run; matplotlib
is not thread-safe and the kernel died with heap corruption in these browser tests.  The
Makefile installs ``jupyter-config/blupteach-overrides.json`` as an overrides.d default.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def test_comms_over_subshells_is_disabled(lab_server):
    url = lab_server.url("lab/api/settings/@jupyterlab/apputils-extension:kernels-settings")
    with urllib.request.urlopen(url, timeout=30) as resp:
        settings = json.load(resp)
    # an overrides.d file changes the schema's default; a user's own setting would come on top
    default = settings["schema"]["properties"]["commsOverSubshells"]["default"]
    effective = settings["settings"].get("commsOverSubshells", default)
    assert effective == "disabled", (
        "JupyterLab would run widget comm messages on a kernel subshell thread "
        f"(commsOverSubshells = {effective!r}, default {default!r}); run `make venv` to install "
        "jupyter-config/blupteach-overrides.json")
