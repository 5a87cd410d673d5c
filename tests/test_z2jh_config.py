"""hub/z2jh/config.yaml (Zero to JupyterHub) parses and names what a class needs (no cluster needed).

The single-user image built from binder/, the overrides file, nbgitpuller, idle culling and
per-student resource limits, and the README's hub section points at the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "hub" / "z2jh" / "config.yaml"
UNITS = {"K": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def _bytes(quantity) -> float:
    """A Kubernetes memory quantity (``512M``, ``1G``, ``2Gi``) in bytes."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i?)?", str(quantity))
    assert m, f"{quantity!r} is not a memory quantity such as 512M or 1G"
    return float(m.group(1)) * UNITS.get(m.group(2) or "", 1)


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(CONFIG.read_text())


def test_singleuser_image_is_the_one_built_from_binder(config):
    image = config["singleuser"]["image"]
    assert image["name"] and str(image["tag"]), "singleuser.image needs a name and a tag"
    assert "repo2docker" in CONFIG.read_text() and "binder/" in CONFIG.read_text(), (
        "the file must say how the image is built (repo2docker from binder/)")
    assert config["singleuser"]["cmd"] == "jupyterhub-singleuser"
    assert config["singleuser"]["defaultUrl"] == "/lab"


def test_the_overrides_file_is_mounted_where_jupyterlab_reads_it(config):
    files = config["singleuser"]["extraFiles"]
    mounted = [f for f in files.values() if f["mountPath"].endswith("/share/jupyter/lab/settings/overrides.d/blupteach.json")]
    assert len(mounted) == 1, "the overrides file must be mounted into <env>/share/jupyter/lab/settings/overrides.d/"
    ours = json.loads((ROOT / "jupyter-config" / "blupteach-overrides.json").read_text())
    assert mounted[0]["data"] == ours, "the mounted overrides differ from jupyter-config/blupteach-overrides.json"


def test_nbgitpuller_pulls_the_course_and_is_in_the_image(config):
    command = " ".join(config["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"])
    assert re.search(r"\bgitpuller \S+blupteach \S+ blupteach\b", command), f"no nbgitpuller pull: {command}"
    reqs = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^nbgitpuller\b", reqs, flags=re.M), "the image (requirements.txt) must install nbgitpuller"


def test_idle_culling_is_on(config):
    cull = config["cull"]
    assert cull["enabled"] is True
    assert 600 <= int(cull["timeout"]) <= 4 * 3600, "cull.timeout: between 10 minutes and 4 hours of idleness"
    assert 0 < int(cull["every"]) <= int(cull["timeout"])


def test_each_student_has_memory_and_cpu_limits(config):
    memory, cpu = config["singleuser"]["memory"], config["singleuser"]["cpu"]
    assert 256e6 <= _bytes(memory["guarantee"]) <= _bytes(memory["limit"]) <= 8e9, memory
    assert 0 < float(cpu["guarantee"]) <= float(cpu["limit"]) <= 4, cpu


def test_readme_hub_section_points_at_the_config():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- section: binder -->")[1].split("<!-- end section: binder -->")[0]
    assert "hub/z2jh/config.yaml" in section and "make test-hub" in section


def test_readme_link_is_the_link_the_hub_test_follows():
    """The nbgitpuller link in the README is the one ``make test-hub`` clicks (repository aside)."""
    import urllib.parse as up

    import hubdriver as hd

    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"https://HUB\.example\.edu/hub/user-redirect/git-pull\?\S+", readme)
    assert len(links) == 1, f"the README's hub section should give one nbgitpuller link; found {len(links)}"
    query = up.parse_qs(up.urlparse(links[0]).query)
    tested = up.parse_qs(up.urlparse(hd.pull_link("https://HUB.example.edu", query["repo"][0], "main")).query)
    assert query == tested, f"README link {query} differs from the tested link {tested}"
