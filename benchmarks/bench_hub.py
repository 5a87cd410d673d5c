"""A class on the course's JupyterHub: time to a running lesson, slider latency, memory per student.

Prints (tools match lines by their first word)::

    hub_alone ready_s=<x> slider_p50_ms=<x> slider_p95_ms=<x> rss_mb=<x>
    hub students=<k> ready_p50_s=<x> ready_p95_s=<x> slider_p95_ms=<x> rss_per_student_mb=<x> load1=<x>

The hub is ``hub/jupyterhub_config.py`` on 127.0.0.1 (as ``make test-hub`` runs it).  First one
student alone (the reference, same run), then ``BENCH_HUB_STUDENTS`` (default 10) at once, each:
log in, follow the course's nbgitpuller link (a local bare clone of this repository), open
lesson 02 and run it to the end in a kernel of their own server (REST + kernel websocket).

- ``ready``: from the login to the lesson's kernel having run its first cell (spawn, pull and
  kernel start included), per student;
- ``slider``: with every student's kernel alive and the lesson run, each student moves the first
  slider ``BENCH_HUB_MOVES`` times (default 10), all at once; milliseconds from the move to the
  figure's new picture;
- ``rss_per_student_mb``: resident memory of a student's server and its kernel, then, averaged.

Without the hub tools (``make test-hub`` installs them) it prints ``hub skipped: ...`` and
returns 0.  Numbers to read, never asserted.
"""

from __future__ import annotations

import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import hubclass  # noqa: E402
import hubdriver as hd  # noqa: E402

STUDENTS = int(os.environ.get("BENCH_HUB_STUDENTS", 10))
MOVES = int(os.environ.get("BENCH_HUB_MOVES", 10))


def session(hub: hd.Hub, link: str, names: list[str]) -> dict:
    """``names`` attend at once, then move sliders at once; timings and memory, kernels closed after."""
    students = [hd.Student(hub, n) for n in names]
    with ThreadPoolExecutor(max(1, len(students))) as pool:
        attended = list(pool.map(lambda s: hubclass.attend(s, link), students))
        try:
            failed = [a.error for a in attended if a.error]
            if failed:
                raise RuntimeError("students could not run lesson 02:\n" + "\n".join(failed))
            moves = [ms for ms_list in pool.map(lambda a: hubclass.move_sliders(a, MOVES), attended)
                     for ms in ms_list]
            rss = [hubclass.server_rss_mb(hub.server_pid(s.name)) for s in students]
        finally:
            for a in attended:
                a.close()
    return {"ready": [a.ready_s for a in attended], "moves": moves, "rss": rss}


def main():
    missing = hd.hub_tools_missing()
    if missing:
        print(f"hub skipped: the hub tools are not installed ({', '.join(missing)}); `make test-hub` installs them")
        return 0
    with tempfile.TemporaryDirectory(prefix="blupteach-bench-hub-") as tmp:
        work = Path(tmp)
        bare = hd.bare_clone(work)
        with hd.Hub(work) as hub:
            link = hd.pull_link(hub.url, f"file://{bare}", hd.COURSE_BRANCH)
            alone = session(hub, link, ["reference"])
            print(f"hub_alone ready_s={alone['ready'][0]:.1f} slider_p50_ms={np.percentile(alone['moves'], 50):.0f} "
                  f"slider_p95_ms={np.percentile(alone['moves'], 95):.0f} rss_mb={alone['rss'][0]:.0f}", flush=True)
            k = session(hub, link, [f"student{i:02d}" for i in range(1, STUDENTS + 1)])
            print(f"hub students={STUDENTS} ready_p50_s={np.percentile(k['ready'], 50):.1f} "
                  f"ready_p95_s={np.percentile(k['ready'], 95):.1f} slider_p95_ms={np.percentile(k['moves'], 95):.0f} "
                  f"rss_per_student_mb={np.mean(k['rss']):.0f} load1={os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
