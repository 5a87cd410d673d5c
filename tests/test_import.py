"""`import blupteach` is light: a script or a grader that only fits loads no drawing code.

matplotlib and ipywidgets (and formulae, the formula parser, which ``mixed/formula.py`` loads
when a formula is first parsed) stay out of ``sys.modules`` until a panel, a plot or a formula
is used; ``bt.panels``, ``bt.Panel`` and ``bt.Slider`` still work, loaded on first access
(module-level ``__getattr__`` in ``blupteach/__init__.py``).  Each check runs in a fresh
interpreter: this test process has matplotlib loaded already (tests/conftest.py).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "ipywidgets", "formulae")


def _top_level_imports(path: Path) -> set[str]:
    """Top-level package names a module imports when it is itself imported (module body only)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module.split(".")[0])
    return names


def fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter (this repository first on the path); it prints one JSON line."""
    run = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n{code}"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def loaded_by_import() -> list[str]:
    return fresh(f"import json, blupteach\nprint(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))")


@pytest.mark.parametrize("module", ["matplotlib", "ipywidgets", "formulae"])
def test_import_loads_no_drawing_code(loaded_by_import, module):
    assert module not in loaded_by_import, (
        f"`import blupteach` loaded {module}: import it inside the function that needs it "
        f"(or through the package's lazy __getattr__)")


def test_panels_and_widgets_load_on_first_use():
    got = fresh("import json, blupteach as bt\n"
                "before = 'matplotlib' in sys.modules\n"
                "names = sorted(n for n in bt.panels.__all__)\n"
                "print(json.dumps({'before': before, 'after': 'matplotlib' in sys.modules,\n"
                "  'panels': names, 'Panel': bt.Panel.__module__, 'Slider': bt.Slider.__module__,\n"
                "  'dir': [n for n in ('panels', 'plots', 'widgets', 'Panel', 'Slider') if n in dir(bt)]}))")
    assert not got["before"] and got["after"], got
    assert "shrinkage_weight" in got["panels"], got
    assert got["Panel"] == got["Slider"] == "blupteach.widgets", got
    assert got["dir"] == ["panels", "plots", "widgets", "Panel", "Slider"], got


def test_every_exported_name_resolves():
    """Every name in ``__all__`` exists (the lazy ones too), and an unknown name is an AttributeError."""
    got = fresh("import json, blupteach as bt\n"
                "missing = [n for n in bt.__all__ if not hasattr(bt, n)]\n"
                "try:\n    bt.no_such_name\n    err = None\nexcept AttributeError as e:\n    err = str(e)\n"
                "print(json.dumps({'missing': missing, 'err': err}))")
    assert got["missing"] == [], got
    assert got["err"] == "module 'blupteach' has no attribute 'no_such_name'", got
