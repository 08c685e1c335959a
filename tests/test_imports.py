"""The package's import graph: layers below training (``bigdl_py.nn`` never imports
``bigdl_py.optim``), no import cycles between modules or packages, and every module
importable first, on its own, in a fresh interpreter.

The static tests read the sources with ``ast`` (function-level imports count: a cycle
hidden in a function body is still a cycle); the dynamic one imports each module in a
process where no bigdl_py module was imported before.
"""
import ast
import importlib
import os
import pathlib
import subprocess
import sys

import pytest

import bigdl_py

ROOT = pathlib.Path(bigdl_py.__file__).parent
# bigdl_py.nn.keras is BigDL 0.x's path bigdl.nn.keras: a shim over bigdl_py.keras, above it
PACKAGES = ["bigdl_py", "bigdl_py.nn", "bigdl_py.optim", "bigdl_py.utils", "bigdl_py.lasagne",
            "bigdl_py.keras", "bigdl_py.nnframes", "bigdl_py.dllib", "bigdl_py.util",
            "bigdl_py.nn.keras"]


def _modules():
    """{dotted name: path} of every Python module of the package."""
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = ("bigdl_py",) + path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _ancestors(name):
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def _compiled(name):
    """A compiled module (each ships a ``.pyi`` stub): it imports no bigdl_py module."""
    return (ROOT.parent / name.replace(".", "/")).with_suffix(".pyi").exists()


def _targets(node, name, path):
    """The bigdl_py modules an import statement in module ``name`` loads."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    if isinstance(node, ast.Import):
        bases = [a.name for a in node.names]
        found = [b for b in bases if b.startswith("bigdl_py")]
        return {b for b in found if b in MODULES}
    if node.level:
        base = package.split(".")[:len(package.split(".")) - node.level + 1]
        base = ".".join(base + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    if not base.startswith("bigdl_py"):
        return set()
    found = set()
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        if sub in MODULES:
            found.add(sub)
        elif base in MODULES and not _compiled(sub):
            found.add(base)  # a name defined by base
    return found


def import_graph():
    """{module: modules it imports}, counting the packages a cross-package import runs
    (``from ..optim.x import y`` runs ``bigdl_py.optim``'s ``__init__`` too)."""
    graph = {}
    for name, path in MODULES.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for t in _targets(node, name, path):
                    edges |= {t} | (_ancestors(t) - _ancestors(name) - {"bigdl_py", name})
        graph[name] = edges - {name}
    return graph


def find_cycle(graph):
    """One cycle of ``graph`` as a list of nodes (first == last), or None."""
    state, stack = {}, []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state:
                cycle = visit(w)
                if cycle:
                    return cycle
        state[v] = 2
        stack.pop()
        return None

    for v in sorted(graph):
        if v not in state:
            cycle = visit(v)
            if cycle:
                return cycle
    return None


def package_of(module):
    """The listed package a module belongs to (the core modules belong to ``bigdl_py``)."""
    return max((p for p in PACKAGES if module == p or module.startswith(p + ".")), key=len)


def test_graph_reader_sees_function_level_and_package_imports():
    graph = import_graph()
    assert "bigdl_py.nn.module" in graph["bigdl_py.nn.container"]
    assert "bigdl_py.optim.sgd" in graph["bigdl_py.optim"]
    assert "bigdl_py.nn" in graph["bigdl_py.optim"]  # from ..nn import _inference
    assert "bigdl_py._blas" not in graph["bigdl_py.tensor"]  # compiled: not in the graph
    tree = ast.parse("def f():\n    from ..optim.sgd import SGD\n")
    node = tree.body[0].body[0]
    fake = ROOT / "nn" / "fake.py"
    assert _targets(node, "bigdl_py.nn.fake", fake) == {"bigdl_py.optim.sgd"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    # the Keras cycle that once was: a layer importing the models in a function body
    # closes a cycle through bigdl_py.keras.layers' __init__
    merge = "bigdl_py.keras.layers.merge"
    node = ast.parse("def f():\n    from ..models import Model\n").body[0].body[0]
    graph[merge] = graph[merge] | _targets(node, merge, MODULES[merge])
    assert "bigdl_py.keras.models" in graph[merge] and find_cycle(graph) is not None


def test_nn_does_not_import_optim():
    graph = import_graph()
    seen, todo = set(), [m for m in graph if package_of(m) == "bigdl_py.nn"]
    while todo:  # everything importing bigdl_py.nn can load, transitively
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph[m])
    assert not {m for m in seen if package_of(m) == "bigdl_py.optim"}


def test_no_cycle_among_modules():
    assert find_cycle(import_graph()) is None


def test_no_cycle_among_packages():
    packages = {p: set() for p in PACKAGES}
    for m, edges in import_graph().items():
        packages[package_of(m)] |= {package_of(t) for t in edges} - {package_of(m)}
    assert find_cycle(packages) is None


# each package, and each module that was once part of a cycle, imported first and alone;
# third-party packages are loaded before the fork so that each child only pays for
# bigdl_py's own modules
FIRST = PACKAGES + ["bigdl_py.tensor", "bigdl_py.nn.persist", "bigdl_py.nn.graph",
                    "bigdl_py.nn.container", "bigdl_py.nn.criterion_extra",
                    "bigdl_py.optim.optimizer", "bigdl_py.optim.distri",
                    "bigdl_py.optim.evaluator", "bigdl_py.optim._checkpoint",
                    "bigdl_py.optim.plateau", "bigdl_py.optim.sgd"]
PROBE = """
import importlib, os, sys, traceback
import numpy, scipy.linalg, scipy.special
try:
    import pyspark.ml
except ImportError:
    pass
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    if os.waitpid(pid, 0)[1] != 0:
        failed.append(name)
print("FAILED", *failed)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the probe forks one child per module")
def test_modules_import_first_in_a_fresh_interpreter():
    names = [m for m in FIRST if m in MODULES]
    assert len(names) == len(FIRST)
    try:
        importlib.import_module("pyspark")
    except ImportError:  # the [spark] extra: NNFrames needs it at import
        names.remove("bigdl_py.nnframes")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT.parent)] + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    out = subprocess.run([sys.executable, "-c", PROBE, *names], capture_output=True,
                         text=True, cwd=str(pathlib.Path(__file__).parent), env=env,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["FAILED"], out.stdout + out.stderr


def test_regularizers_live_in_nn_and_keep_their_optim_and_bigdl_paths():
    from bigdl_py import optim
    from bigdl_py.dllib.optim import optimizer as dllib_optimizer
    from bigdl_py.nn import regularizer
    from bigdl_py.optim import optimizer
    from bigdl_py.optim import regularizer as optim_regularizer
    for name in ("Regularizer", "L1Regularizer", "L2Regularizer", "L1L2Regularizer"):
        cls = getattr(regularizer, name)
        assert cls.__module__ == "bigdl_py.nn.regularizer"
        assert getattr(optim, name) is getattr(optim_regularizer, name) is cls
        if name != "Regularizer":  # BigDL's optimizer module names the three rates
            assert getattr(optimizer, name) is getattr(dllib_optimizer, name) is cls


def test_data_methods_before_optim_is_imported_say_so(monkeypatch):
    import numpy as np

    from bigdl_py.nn import Identity, _inference
    monkeypatch.setattr(_inference, "_ENGINE", {})
    X, y = np.eye(2), np.array([1, 2])
    with pytest.raises(RuntimeError, match=r"Identity.evaluate: expected bigdl_py.optim to "
                                           r"be imported"):
        Identity().evaluate(X, y)
    assert Identity().predict(X).tolist() == X.tolist()  # arrays need nothing else
