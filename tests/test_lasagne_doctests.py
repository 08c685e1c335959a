"""Every ``>>>`` example of the Lasagne seed documents (tests/lasagne_seed_examples.txt)
runs, with only the import changed, and prints what it says (docstring examples of
bigdl_py.lasagne run in test_doctests.py)."""
import doctest
import pathlib


def test_seed_examples():
    path = pathlib.Path(__file__).with_name("lasagne_seed_examples.txt")
    result = doctest.testfile(str(path), module_relative=False, verbose=False)
    assert result.attempted == 10 and result.failed == 0
