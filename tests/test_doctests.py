"""The examples in the package's docstrings run and print what they say.

The house rules ask every public function for "a small hand-checkable example";
this keeps those examples true.  Modules are discovered, so new ones are covered.
Examples see their module's namespace plus ``np`` and ``bt``.
"""
import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import blupteach

MODULES = sorted(m.name for m in pkgutil.walk_packages(blupteach.__path__, "blupteach."))


@pytest.mark.parametrize("name", ["blupteach", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, extraglobs={"np": np, "bt": blupteach}):
        failures = []
        runner.run(test, out=failures.append)
        assert not failures, f"docstring example in {test.name} fails:\n{''.join(failures)}"


def test_a_wrong_example_is_caught():
    parser = doctest.DocTestParser()
    test = parser.get_doctest(">>> 1 + 1\n3\n", {}, "wrong", "wrong.py", 0)
    failures = []
    doctest.DocTestRunner().run(test, out=failures.append)
    assert failures
