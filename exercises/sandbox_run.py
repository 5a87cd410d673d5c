"""Run one student notebook and export only its answers (runs *inside* the grading sandbox).

``python sandbox_run.py NOTEBOOK ANSWERS_JSON NAME [NAME ...]``

Executes NOTEBOOK cell by cell in a Jupyter kernel (nbclient).  After every code cell it asks
the kernel for the current value of each answer NAME, converted to plain JSON (numbers,
strings, booleans, lists of them; a numpy array becomes a list of floats, a pandas Series of
numbers its labels and floats), and rewrites
ANSWERS_JSON atomically.  So whatever happens later (an infinite loop killed by the grader's
time limit, ``os._exit`` in the last cell, a dead kernel), the answers the notebook had computed
until then are on disk.

Nothing here is trusted by the grader: the student's code shares this sandbox and could
rewrite ANSWERS_JSON itself.  That is fine by design: the file can only ever carry plain values,
which the trusted side (``grade.py``) parses with ``json`` and checks with the hidden tests in a
process the student's code never touched.
"""

from __future__ import annotations

import json
import os
import re
import sys

# The cells otter assign adds for students (``grader = otter.Notebook(...)``, ``grader.check("q1")``,
# ``grader.check_all()``) are skipped when grading, exactly as generated: they only show public
# feedback, and importing otter costs ~5 s per notebook.  A cell with anything else in it runs.
OTTER_CELL = re.compile(r'(# Initialize Otter\s*)?(import otter\s*grader = otter\.Notebook\("[^"\n]*"\)'
                        r'|grader\.check\("\w+"\)|grader\.check_all\(\))')

# Runs in the student's kernel after each cell.  It can only produce JSON text; a float subclass
# with a magic ``__sub__`` becomes a plain float here, a str subclass a plain str.
EXPORT = r'''
def __blupteach_export(names, g):
    import json, numbers
    def plain(v, depth=0):
        if v is None or v is Ellipsis:
            return {"missing": True}
        if isinstance(v, bool):
            return {"value": bool(v)}
        try:
            import numpy as np
            if isinstance(v, np.ndarray):
                if v.dtype.kind in "biuf" and v.size <= 100000:
                    return {"ndarray": [float(x) for x in v.astype(float).ravel().tolist()], "shape": list(v.shape)}
                return {"unsupported": f"a numpy array of dtype {v.dtype}"}
            if isinstance(v, np.bool_):
                return {"value": bool(v)}
        except ImportError:
            pass
        try:   # a pandas Series of numbers (e.g. one value per county): labels and floats
            import pandas as pd
            if isinstance(v, pd.Series):
                if v.dtype.kind in "biuf" and len(v) <= 100000:
                    labels = [str.__str__(x) if isinstance(x, str) else int(x) if isinstance(x, numbers.Integral) else None
                              for x in v.index.tolist()]
                    if None not in labels:
                        return {"series": [float(x) for x in v.astype(float).tolist()], "index": labels,
                                "name": str.__str__(v.name) if isinstance(v.name, str) else None}
                return {"unsupported": "a pandas Series that is not numbers by label"}
        except ImportError:
            pass
        if isinstance(v, numbers.Integral):
            return {"value": int(v)}
        if isinstance(v, numbers.Real):
            return {"value": float(v)}
        if isinstance(v, str):
            return {"value": str.__str__(v)[:10000]}
        if isinstance(v, (list, tuple)) and depth == 0 and len(v) <= 100000:
            items = [plain(x, 1) for x in v]
            if all("value" in x for x in items):
                return {"value": [x["value"] for x in items]}
        return {"unsupported": f"a {type(v).__name__}"}
    out = {}
    for n in names:
        if n in g:
            try:
                out[n] = plain(g[n])
            except Exception as e:
                out[n] = {"unsupported": f"could not be read ({type(e).__name__})"}
    return "@@ANSWERS@@" + json.dumps(out) + "@@END@@"
print(__blupteach_export(%r, globals()))
del __blupteach_export
'''


# The cell exercises/build.py adds after otter's init cell in every student version: a public
# check that only looks at the form says "form OK — marked after you hand in" where otter would
# print "All test cases passed!" (its TEST CONFIG has that success_message).  Skipped when grading.
FORM_OK = "form OK — marked after you hand in"
FORM_ONLY_CELL = f"""# Form-only checks say so, instead of "All test cases passed!"
import otter.test_files.abstract_test as _otter_tests
def _form_only(show, short):
    def shown(self, *args, **kwargs):
        public = [r for r in self.test_case_results if not r.test_case.hidden]
        if public and all(r.passed for r in public) and any(r.test_case.success_message == "{FORM_OK}" for r in public):
            return short(self)
        return show(self, *args, **kwargs)
    return shown
_otter_tests.TestFile.summary = _form_only(_otter_tests.TestFile.summary, lambda t: f"{{t.name}}: {FORM_OK}")
_otter_tests.TestFile._repr_html_ = _form_only(_otter_tests.TestFile._repr_html_, lambda t: f"<p><strong>{{t.name}}</strong>: {FORM_OK}</p>")"""


def _write(path: str, state: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, path)


def _answers_from(outputs) -> dict | None:
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    start, end = text.rfind("@@ANSWERS@@"), text.rfind("@@END@@")
    if start < 0 or end < start:
        return None
    try:
        got = json.loads(text[start + len("@@ANSWERS@@"):end])
    except ValueError:
        return None
    return got if isinstance(got, dict) else None


def main(argv: list[str]) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook, out, names = argv[0], argv[1], argv[2:]
    state = {"answers": {}, "errors": [], "cells_done": 0, "cells_total": 0, "status": "starting"}
    _write(out, state)
    nb = nbformat.read(notebook, as_version=4)
    skip = lambda src: OTTER_CELL.fullmatch(src.strip()) or src.strip() == FORM_ONLY_CELL.strip()  # noqa: E731
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not skip(c.source)]
    state["cells_total"] = len(code_cells)
    client = NotebookClient(nb, timeout=None, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(notebook))}})
    with client.setup_kernel():
        for k, i in enumerate(code_cells):
            cell = nb.cells[i]
            try:
                client.execute_cell(cell, i)
            except DeadKernelError:
                state["status"] = f"the kernel died in code cell {k + 1} of {len(code_cells)} (os._exit, a crash or out of memory)"
                _write(out, state)
                return 0
            except (CellExecutionError, CellTimeoutError) as exc:
                state["errors"].append(f"{type(exc).__name__}: {str(exc)[:200]}")
            for o in cell.get("outputs", []):
                if o.get("output_type") == "error":
                    state["errors"].append(f"{o.get('ename')}: {str(o.get('evalue'))[:200]}")
            probe = nbformat.v4.new_code_cell(EXPORT % (names,))
            try:
                client.execute_cell(probe, i, store_history=False)
            except DeadKernelError:
                state["status"] = f"the kernel died after code cell {k + 1} of {len(code_cells)}"
                _write(out, state)
                return 0
            got = _answers_from(probe.get("outputs", []))
            if got is not None:
                state["answers"] = got
            state["cells_done"] = k + 1
            state["status"] = "running"
            _write(out, state)
    state["status"] = "finished"
    _write(out, state)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
