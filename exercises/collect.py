"""Collect the students' exercise notebooks from their home folders into ``make grade``'s layout (``make collect``).

On a JupyterHub each student's files live in their own home folder (``/home/<student>`` on one
machine; a persistent volume per student on Kubernetes).  This copies, for every home folder
``HOMES/<student>/`` and every exercise ``<NN>_<name>``, the student's
``<NN>_<name>.ipynb`` into ``SUBMISSIONS/<student>/<NN>_<name>.ipynb``, which is what
``make grade SUBMISSIONS=...`` grades.  Only the home folder itself is looked in (where the
hand-out is uploaded and saved): never below it, because ``~/blupteach/exercises/`` is the
pulled course, whose source notebooks hold the solutions.  A student who has none gets an
empty folder, so the grade table still has their row (``no <NN>_<name>.ipynb``, naming the
notebooks found).  The file is copied as it is: a file that is not a notebook is for the
grader to note, not for this script to drop.

Usage::

    python exercises/collect.py HOMES SUBMISSIONS [--only 02]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from grade import exercise_folders  # noqa: E402  (sibling script: one list of exercises)


def find_submission(home: Path, notebook: str) -> Path | None:
    """The student's ``notebook`` in ``home`` itself (a regular file, not a link), or None."""
    path = home / notebook
    return path if path.is_file() and not path.is_symlink() else None


def collect(homes: Path, submissions: Path, *, only: str | None = None) -> dict[str, list[str]]:
    """Copy every student's exercise notebooks; return ``{student: [notebook names copied]}``.

    Raises ValueError naming ``homes`` when it is not a folder.
    """
    homes, submissions = Path(homes), Path(submissions)
    if not homes.is_dir():
        raise ValueError(f"homes must be the folder of the students' home folders; {homes} is not a folder")
    notebooks = [f"{name}.ipynb" for name in exercise_folders() if only is None or name[:2] == only]
    copied = {}
    for home in sorted(p for p in homes.iterdir() if p.is_dir() and not p.name.startswith(".")):
        dest = submissions / home.name
        dest.mkdir(parents=True, exist_ok=True)
        copied[home.name] = []
        for notebook in notebooks:
            src = find_submission(home, notebook)
            if src is not None:
                shutil.copyfile(src, dest / notebook)
                copied[home.name].append(notebook)
        for other in home.glob("*.ipynb"):      # a renamed hand-out: the grade table names it
            if other.name not in notebooks and other.is_file() and not other.is_symlink():
                shutil.copyfile(other, dest / other.name)
    return copied


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("homes", type=Path, help="folder of the students' home folders (e.g. /home)")
    ap.add_argument("submissions", type=Path, help="where to write <student>/<NN>_<name>.ipynb")
    ap.add_argument("--only", default=None, help="collect only exercise NN (e.g. 02)")
    args = ap.parse_args(argv)
    try:
        copied = collect(args.homes, args.submissions, only=args.only)
    except ValueError as exc:
        ap.error(str(exc))
    for student, names in copied.items():
        print(f"  {student}: {', '.join(names) if names else 'no exercise notebook'}")
    print(f"collected {sum(map(len, copied.values()))} notebook(s) of {len(copied)} student(s) into {args.submissions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
