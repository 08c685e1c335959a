"""Every ``>>>`` example of the Lasagne seed documents (tests/lasagne_seed_examples.txt)
and of bigdl_py.lasagne's docstrings runs and prints what it says."""
import doctest
import importlib
import pathlib

import pytest

MODULES = ["bigdl_py.lasagne", "bigdl_py.lasagne.init", "bigdl_py.lasagne.nonlinearities",
           "bigdl_py.lasagne.utils", "bigdl_py.lasagne.layers.base",
           "bigdl_py.lasagne.layers.input", "bigdl_py.lasagne.layers.helper",
           "bigdl_py.lasagne.layers.gradients",
           "bigdl_py.lasagne.layers.dense", "bigdl_py.lasagne.layers.noise"]


def test_seed_examples():
    path = pathlib.Path(__file__).with_name("lasagne_seed_examples.txt")
    result = doctest.testfile(str(path), module_relative=False, verbose=False)
    assert result.attempted == 10 and result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.failed == 0
