"""Every docstring example in bigdl_py (Python and compiled modules) runs and prints what
it says, and every module that documents something has at least one example.

Not listed, by rule (``unlisted`` below says which rule): private modules (a dotted part
starting with ``_``: implementation details, tested by the test files of their family; a
private module's examples still run when it has some), and modules that only re-export
what other modules define (package ``__init__`` files, BigDL's module paths): their
examples live in the defining modules.  ``NO_EXAMPLES`` names the few others, with why.
"""
import doctest
import importlib
import inspect
import pkgutil

import pytest

import bigdl_py

ALL = sorted(m.name for m in pkgutil.walk_packages(bigdl_py.__path__, "bigdl_py."))
# modules that document something yet have no example, each with the reason
NO_EXAMPLES = {
}


def _examples(module):
    return sum(len(t.examples) for t in doctest.DocTestFinder().find(module))


def unlisted(name):
    """Why a module without examples is not held to having one (None: it is)."""
    if name in NO_EXAMPLES:
        return NO_EXAMPLES[name]
    if any(part.startswith("_") for part in name.split(".")):
        return "private"
    module = importlib.import_module(name)
    if not any((inspect.isfunction(v) or inspect.isclass(v)) and v.__module__ == name
               for v in vars(module).values()):
        return "re-exports only"
    return None


MODULES = [n for n in ALL if _examples(importlib.import_module(n)) or not unlisted(n)]


def test_modules_found():
    assert {"bigdl_py.nn.dropout", "bigdl_py.lasagne.layers.dense", "bigdl_py._blas",
            "bigdl_py.nn.module", "bigdl_py.nn.container", "bigdl_py.random",
            "bigdl_py.optim.optimizer", "bigdl_py.optim.trigger", "bigdl_py.nn.persist"} \
        <= set(MODULES)
    assert unlisted("bigdl_py._dropout") == "private"
    assert unlisted("bigdl_py.nn") == "re-exports only"
    assert unlisted("bigdl_py.nn.linear") is None
    for name in NO_EXAMPLES:  # an exception names a real module that still has no example
        assert name in ALL and not _examples(importlib.import_module(name)), name


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    if name.startswith("bigdl_py.nnframes"):  # Spark ML stages: the [spark] extra
        pytest.importorskip("pyspark")
    module = importlib.import_module(name)
    result = doctest.testmod(module, verbose=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} documents something but has no example"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
