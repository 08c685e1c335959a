"""Packaging: typed stubs ship beside every compiled module, and they match it."""
import ast
import importlib
import pathlib

import pytest

import bigdl_py

PKG = pathlib.Path(bigdl_py.__file__).parent
COMPILED = sorted({p.name.split(".")[0] for p in PKG.glob("_*.so")}
                  | {p.name.split(".")[0] for p in PKG.glob("_*.pyd")})


def test_compiled_modules_were_found():
    assert {"_blas", "_openmp", "_random", "_tensor_ops"} <= set(COMPILED)
    assert (PKG / "py.typed").is_file()


@pytest.mark.parametrize("name", COMPILED)
def test_every_compiled_module_has_a_stub(name):
    assert (PKG / f"{name}.pyi").is_file(), f"bigdl_py/{name}.pyi is missing"


@pytest.mark.parametrize("name", [n for n in COMPILED if (PKG / f"{n}.pyi").is_file()])
def test_stub_matches_the_module(name):
    """Every public function of the module is declared, and every declared one exists."""
    tree = ast.parse((PKG / f"{name}.pyi").read_text())
    declared = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    module = importlib.import_module(f"bigdl_py.{name}")
    public = {k for k, v in vars(module).items()
              if not k.startswith("_") and callable(v) and not isinstance(v, type)
              and getattr(v, "__module__", module.__name__) == module.__name__}
    assert public <= declared, f"undeclared in {name}.pyi: {sorted(public - declared)}"
    missing = declared - set(vars(module))
    assert not missing, f"declared in {name}.pyi but not in the module: {sorted(missing)}"
