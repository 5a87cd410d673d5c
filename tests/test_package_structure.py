"""The package's shape (issue 10): no import cycle, no module over ~400 lines, the math
imports no drawing code, lessons reach only public names on the allowed arrows."""
import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "blupteach"
MODULES = sorted(p for p in PKG.rglob("*.py"))
DRAWING = {"blupteach.plots", "blupteach.widgets"} | {
    "blupteach.panels" + ("" if p.stem == "__init__" else "." + p.stem) for p in (PKG / "panels").glob("*.py")}


def _name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path = ROOT):
    """Module-level imports (not inside functions: those are the lazy ones), resolved to names."""
    tree = ast.parse(path.read_text())
    here = _name(path, root)
    package = here if path.stem == "__init__" else here.rsplit(".", 1)[0]
    out = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}       # `from . import x` imports module x
    names = {_name(p) for p in MODULES}
    return {m for m in out if m in names or not m.startswith("blupteach")} - {here}


def test_no_import_cycle():
    graph = {_name(p): {m for m in _imports(p) if m.startswith("blupteach")} for p in MODULES}
    # a package imports its own submodules (re-exports): that edge is not a cycle
    for mod in graph:
        graph[mod] = {m for m in graph[mod] if not (m.startswith(mod + "."))}
    seen, stack, cycles = set(), [], []

    def visit(node):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        stack.pop()

    for mod in sorted(graph):
        visit(mod)
    assert not cycles, f"import cycles in blupteach: {cycles}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_size(path):
    lines = len(path.read_text().splitlines())
    assert lines <= 420, f"{path.relative_to(ROOT)} has {lines} lines; split it by idea (limit ~400)"


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_control_characters(path):
    """A docstring written through a non-raw string turns ``\\frac`` into a form feed and
    ``\\varepsilon`` into a vertical tab: the formula then reads "rac", "arepsilon"."""
    bad = [(i, repr(m.group())) for i, line in enumerate(path.read_text().splitlines(), 1)
           for m in CONTROL.finditer(line)]
    assert not bad, f"{path.relative_to(ROOT)} has control characters (line, char): {bad[:5]}"


MATH = [p for p in MODULES if _name(p) not in DRAWING and _name(p) != "blupteach"]


@pytest.mark.parametrize("path", MATH, ids=lambda p: str(p.relative_to(ROOT)))
def test_math_imports_no_drawing(path):
    bad = {m for m in _imports(path)
           if m.split(".")[0] in {"matplotlib", "ipywidgets", "IPython"} or m in DRAWING}
    assert not bad, f"{path.relative_to(ROOT)} (math/data) imports drawing code {sorted(bad)}"


def test_the_structure_checks_can_fail(tmp_path):
    """The import reader sees what a bad module would do."""
    bad = PKG / "oneway.py"
    text = bad.read_text() + "\nimport matplotlib.pyplot as plt\nfrom .plots import COLORS\n"
    fake = tmp_path / "blupteach" / "oneway.py"
    fake.parent.mkdir()
    fake.write_text(text)
    found = _imports(fake, tmp_path)
    assert "matplotlib.pyplot" in found and "blupteach.plots" in found


LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
# the allowed arrows: bt.<public math>, bt.datasets.<fn>, bt.panels.<factory>
ATTR = re.compile(r"\bbt((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lessons_touch_only_public_names(path):
    import blupteach as bt
    nb = json.loads(path.read_text())
    wrong = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        for chain in ATTR.findall(src):
            parts = chain.strip(".").split(".")
            if any(p.startswith("_") for p in parts):
                wrong.append(f"bt{chain} (private)")
            elif parts[0] in ("panels", "datasets"):
                if len(parts) > 2 or (len(parts) == 2 and parts[1] not in getattr(getattr(bt, parts[0]), "__all__", ())):
                    wrong.append(f"bt{chain} (past the {parts[0]} factories)")
            elif parts[0] not in bt.__all__:
                wrong.append(f"bt{chain} (not a public name of blupteach)")
            elif len(parts) > 1 and not parts[0][0].isupper():
                wrong.append(f"bt{chain} (reaches into a module)")
        if re.search(r"\.\s*artists\s*=", src):
            wrong.append("patches artists onto a panel")
    assert not wrong, f"{path.name} reaches past the public API: {sorted(set(wrong))}"
