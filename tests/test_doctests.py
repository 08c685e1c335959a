"""Every docstring example in bigdl_py (Python and compiled modules) runs and prints what
it says."""
import doctest
import importlib
import pkgutil

import pytest

import bigdl_py

MODULES = sorted(m.name for m in pkgutil.walk_packages(bigdl_py.__path__, "bigdl_py."))


def test_modules_found():
    assert {"bigdl_py.nn.dropout", "bigdl_py.lasagne.layers.dense", "bigdl_py._blas"} \
        <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, verbose=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
