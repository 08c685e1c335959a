"""``import bigdl_py`` makes every public subpackage reachable as an attribute, lazily."""
import pathlib
import subprocess
import sys

import pytest

import bigdl_py

PROBE = """
import sys
import bigdl_py
before = sorted(m for m in ("bigdl_py.nn", "bigdl_py.optim", "bigdl_py.utils",
                            "bigdl_py.lasagne") if m in sys.modules)
layer = bigdl_py.nn.Linear(2, 3)
print(before, type(layer).__name__, "bigdl_py.nn" in sys.modules)
"""


def test_subpackages_load_on_first_access_only():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, cwd=str(pathlib.Path(__file__).parent))
    assert out.stdout.split() == ["[]", "Linear", "True"], out.stdout + out.stderr


@pytest.mark.parametrize("name", ["nn", "optim", "utils", "lasagne"])
def test_subpackage_attribute_is_the_module(name):
    module = getattr(bigdl_py, name)
    assert module is sys.modules[f"bigdl_py.{name}"]
    assert name in dir(bigdl_py)


@pytest.mark.parametrize("name", ["no_such_module", "_blas_missing", "__wrapped__"])
def test_unknown_attribute_is_an_attribute_error(name):
    with pytest.raises(AttributeError, match=f"has no attribute '{name}'"):
        getattr(bigdl_py, name)
    assert not hasattr(bigdl_py, name)
