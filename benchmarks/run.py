"""Run every benchmark: ``python benchmarks/run.py [NAME ...]`` (``make bench``).

Convention (for whoever adds a benchmark)
-----------------------------------------
- A benchmark is a module ``benchmarks/bench_<name>.py`` with a ``main()`` that
  runs it and prints its results to stdout, one line per result, each line
  starting with a word of its own followed by ``key=value`` pairs, e.g.
  ``slider p50_ms=19.1 p95_ms=27.0 redraw_p50_ms=160.2 ratio=8.39``.  Tools
  match lines by their first word, so keep the first word stable.
- ``main()`` returns ``None`` or ``0`` on success; a non-zero return or an
  exception marks the benchmark failed (the others still run; ``run.py`` then
  exits non-zero).
- Benchmarks are numbers to read, not timed tests: do not assert on speed.
  Assert only that what was measured was the right thing.
- Each module runs in its own Python process (a fresh interpreter: matplotlib
  backends, imports and servers do not leak between benchmarks), in name order,
  from the repository root.  A benchmark that needs something absent (e.g. a
  browser) prints a line saying so and returns 0.

``NAME`` arguments select modules whose name contains one of them
(``python benchmarks/run.py slider`` runs ``bench_slider.py`` only).  Arguments that
match no module are handed to the selected benchmarks as their ``sys.argv[1:]``
(``python benchmarks/run.py lme4 slope_500`` runs that case of ``bench_lme4.py`` only).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

RUNNER = (
    "import runpy, sys\n"
    "sys.path.insert(0, {here!r})\n"
    "sys.argv[1:] = {extra!r}\n"
    "rc = runpy.run_path({path!r}, run_name='benchmark')['main']()\n"
    "sys.exit(0 if rc in (None, 0) else rc)\n"
)


def discover(selected=()) -> list[Path]:
    paths = sorted(HERE.glob("bench_*.py"))
    if selected:
        paths = [p for p in paths if any(s in p.stem for s in selected)]
    return paths


def main(argv=None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])
    names = [a for a in args if discover([a])]
    extra = [a for a in args if a not in names]          # for the benchmarks themselves
    paths = discover(names) if names or not extra else []
    if not paths:
        print("no benchmarks matched", file=sys.stderr)
        return 2
    failed = []
    for path in paths:
        print(f"# {path.name}", flush=True)
        t0 = time.perf_counter()
        code = RUNNER.format(here=str(HERE), path=str(path), extra=extra)
        rc = subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode
        print(f"# {path.name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {time.perf_counter() - t0:.1f} s",
              flush=True)
        if rc != 0:
            failed.append(path.name)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
