"""One student's lesson on the hub, as the class test and the hub benchmark both run it.

``attend()``: log in, follow the course's nbgitpuller link, open lesson 02 in a kernel of the
student's own server and run it to the end (over REST and the kernel websocket).
``move_sliders()``: slider moves, each timed until the figure's new picture arrives.
``server_rss_mb()``: memory of a student's server and its kernels.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

from hubdriver import TARGET, Student
from kernelws import KernelChannel, other_value

LESSON_02 = f"{TARGET}/lessons/02_shrinkage_weight.ipynb"


def code_cells(nb: dict) -> list[str]:
    """Source of every code cell of a notebook (JSON as the contents API returns it)."""
    src = [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]
    return ["".join(s) if isinstance(s, list) else s for s in src]


@dataclass
class Attendance:
    """What one student got: where the link landed, timings, the live kernel (closed by ``close()``)."""

    student: Student
    landing: str = ""
    ready_s: float = float("nan")     # login -> the lesson's kernel has run its first cell
    lesson_s: float = float("nan")    # the whole lesson, first cell to last
    images: int = 0                   # pictures the figures sent while the lesson ran
    kernel: KernelChannel | None = None
    error: str = ""
    killed: dict = field(default_factory=dict)   # filled by a test that kills the server
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def close(self) -> None:
        self.stack.close()


def attend(student: Student, link: str, lesson: str = LESSON_02, *, cells: int | None = None) -> Attendance:
    """Log ``student`` in, follow ``link``, run ``lesson`` (its first ``cells`` code cells, default all).

    Never raises: a failure is kept in ``.error`` (with the student's name), so one student's
    trouble does not hide the rest of the class.  The kernel stays alive until ``close()``.
    """
    att = Attendance(student)
    try:
        t0 = time.monotonic()
        student.login()
        att.landing = student.follow(link)
        sources = code_cells(student.read_notebook(lesson))[:cells]
        att.kernel = att.stack.enter_context(student.kernel(lesson))
        att.kernel.execute(sources[0])
        att.ready_s = time.monotonic() - t0
        t1 = time.monotonic()
        att.kernel.run_cells(sources[1:])
        att.lesson_s = time.monotonic() - t1
        att.kernel.drain()
        att.images = att.kernel.images
    except Exception as exc:  # noqa: BLE001  (reported per student by the caller)
        att.error = f"{student.name}: {type(exc).__name__}: {exc}"
    return att


def move_sliders(att: Attendance, moves: int) -> list[float]:
    """Move the lesson's first slider ``moves`` times; milliseconds to each new picture."""
    slider = att.kernel.sliders()[0]
    return [att.kernel.move(slider, other_value(slider, i)) for i in range(moves)]


def server_rss_mb(pid: int) -> float:
    """Resident memory (MiB) of the process ``pid`` and all its descendants (the server and its kernels)."""
    import psutil

    proc = psutil.Process(pid)
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / 2**20
