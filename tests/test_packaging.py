"""Packaging: typed stubs ship beside every compiled module, and they match it; the sdist
holds every source; setup.py's OpenMP probe and switches."""
import ast
import importlib
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

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


# --- the build: sdist contents, the nothing-to-compile error, the OpenMP switches ----------

SOURCE = pathlib.Path(__file__).resolve().parents[1]
needs_source = pytest.mark.skipif(not (SOURCE / "setup.py").is_file(),
                                  reason="tests run without the source tree beside them")


def _copy_source(dest, drop=()):
    """The source tree (in-place build products included) without VCS and build folders."""
    skip = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", ".pytest_cache",
                                  "__pycache__", *drop)
    shutil.copytree(SOURCE, dest, ignore=skip)
    return dest


def _sdist(tree, out):
    pytest.importorskip("setuptools", minversion="77")
    return subprocess.run([sys.executable, "setup.py", "-q", "sdist", "-d", str(out)],
                          cwd=tree, capture_output=True, text=True, timeout=300)


@needs_source
def test_sdist_holds_every_source_and_no_generated_file(tmp_path):
    run = _sdist(_copy_source(tmp_path / "src"), tmp_path / "dist")
    assert run.returncode == 0, run.stderr
    (archive,) = (tmp_path / "dist").glob("bigdl_py-*.tar.gz")
    names = {n.split("/", 1)[1] for n in tarfile.open(archive).getnames() if "/" in n}
    core = {p.relative_to(SOURCE).as_posix() for p in (SOURCE / "_core").iterdir()
            if p.suffix in (".pyx", ".pxd", ".pxi", ".h")}
    stubs = {p.relative_to(SOURCE).as_posix() for p in (SOURCE / "bigdl_py").glob("*.pyi")}
    assert {"_core/_random.pyx", "_core/philox.pxd", "_core/bigdl_philox.h",
            "_core/bigdl_simd.h", "_core/par_threshold.pxi", "_core/simd_switch.pxi"} <= core
    assert core | stubs <= names, sorted(core | stubs - names)
    assert {"bigdl_py/py.typed", "LICENSE", "README.md", "setup.py", "pyproject.toml",
            "MANIFEST.in", "tests/conftest.py"} <= names
    generated = sorted(n for n in names if n.endswith((".c", ".cpp", ".so", ".pyd", ".pyc")))
    assert not generated, generated


@needs_source
def test_setup_fails_loudly_with_nothing_to_compile(tmp_path):
    tree = _copy_source(tmp_path / "src", drop=("*.pyx",))
    run = _sdist(tree, tmp_path / "dist")
    assert run.returncode != 0
    assert "no _core/*.pyx found" in run.stderr
    assert not (tmp_path / "dist").exists()


@pytest.fixture
def setup_module():
    """setup.py imported as a module (its ``setup()`` call is behind ``__main__``)."""
    if not (SOURCE / "setup.py").is_file():
        pytest.skip("tests run without the source tree beside them")
    pytest.importorskip("setuptools", minversion="77")
    spec = importlib.util.spec_from_file_location("bigdl_setup", SOURCE / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Compiler:
    """Records what the OpenMP probe asks of a compiler; fails the link when told to."""
    compiler_type, compiler_so = "unix", ["cc"]

    def __init__(self, link_ok):
        self.link_ok, self.calls = link_ok, []

    def compile(self, sources, output_dir, extra_postargs):
        self.calls.append(("compile", extra_postargs))
        return [os.path.join(output_dir, "probe.o")]

    def link_executable(self, objs, name, output_dir, extra_postargs):
        self.calls.append(("link", extra_postargs))
        if not self.link_ok:
            raise RuntimeError("link failed")

    def executable_filename(self, name):
        return name


def test_openmp_probe_links_with_the_users_flags(setup_module, monkeypatch):
    monkeypatch.setenv("CFLAGS", "-fsanitize=address -O1")
    monkeypatch.setenv("LDFLAGS", "-fsanitize=undefined")
    compiler = _Compiler(link_ok=False)
    assert not setup_module.openmp_works(compiler, ["-fopenmp"], ["-fopenmp"])
    assert ("link", ["-fopenmp", "-fsanitize=address", "-O1", "-fsanitize=undefined"]) \
        in compiler.calls


@pytest.mark.parametrize("family, compile_flags, link_flags", [
    ("gcc", ["-fopenmp"], ["-fopenmp"]), ("clang", ["-fopenmp"], ["-fopenmp"]),
    ("apple-clang", ["-Xpreprocessor", "-fopenmp"], ["-lomp"]), ("msvc", ["/openmp"], [])])
def test_openmp_flags_follow_the_compiler(setup_module, family, compile_flags, link_flags):
    assert setup_module.FLAGS[family][1:] == (compile_flags, link_flags)


def test_no_openmp_switch_builds_serial_quietly(setup_module, monkeypatch, capsys):
    monkeypatch.setenv("BIGDL_PY_NO_OPENMP", "1")
    compiler = _Compiler(link_ok=True)
    assert setup_module.openmp_flags(compiler, "gcc") == ([], [])
    assert compiler.calls == [] and capsys.readouterr().err == ""


def test_require_openmp_switch_fails_instead_of_going_serial(setup_module, monkeypatch,
                                                             capsys):
    monkeypatch.setenv("BIGDL_PY_REQUIRE_OPENMP", "1")
    with pytest.raises(SystemExit, match="BIGDL_PY_REQUIRE_OPENMP=1 but the C compiler"):
        setup_module.openmp_flags(_Compiler(link_ok=False), "gcc")
    monkeypatch.setenv("BIGDL_PY_NO_OPENMP", "1")
    with pytest.raises(SystemExit, match="both set"):
        setup_module.openmp_flags(_Compiler(link_ok=True), "gcc")


def test_without_switches_a_failed_probe_warns_loudly(setup_module, monkeypatch, capsys):
    monkeypatch.delenv("BIGDL_PY_NO_OPENMP", raising=False)
    monkeypatch.delenv("BIGDL_PY_REQUIRE_OPENMP", raising=False)
    assert setup_module.openmp_flags(_Compiler(link_ok=False), "clang") == ([], [])
    assert "built SERIAL" in capsys.readouterr().err


def test_a_normal_build_has_openmp():
    """A build lost OpenMP without being asked to: the test fails (BIGDL_PY_NO_OPENMP=1 at
    test time says the serial build was deliberate)."""
    if os.environ.get("BIGDL_PY_NO_OPENMP", "") not in ("", "0"):
        pytest.skip("serial build requested with BIGDL_PY_NO_OPENMP")
    assert bigdl_py.openmp_enabled()
    from bigdl_py import _testing
    assert _testing.threads_used(2) == 2
