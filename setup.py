"""Build script: compiles every ``_core/*.pyx`` into ``bigdl_py._<name>``.

The compiler flags follow the compiler in use (gcc, clang, Apple clang, MSVC).  OpenMP is
probed by compiling, linking and running a tiny program with that compiler and the user's
CFLAGS/LDFLAGS; without it the build is serial and says so loudly.  Switches (environment):

- ``BIGDL_PY_NO_OPENMP=1``: build serial on purpose, without probing or warning.
- ``BIGDL_PY_REQUIRE_OPENMP=1``: fail the build instead of going serial.
- ``BIGDL_PY_DEBUG=1``: bounds, wraparound and initialisation checks back on.

Cython runs in parallel (``-j N`` or one process per CPU) at ``build_ext`` time only, so
``sdist`` needs neither Cython nor numpy and ships the ``.pyx`` sources, never generated C.
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

CORE = "_core"


def _switch(name):
    return os.environ.get(name, "") not in ("", "0")


DEBUG = _switch("BIGDL_PY_DEBUG")
OPENMP_PROBE = textwrap.dedent(r"""
    #include <omp.h>
    #include <stdio.h>
    int main(void) {
        int n = 0;
        #pragma omp parallel num_threads(2) reduction(+:n)
        n += 1;
        printf("%d\n", n);
        return n == 2 ? 0 : 1;
    }
""")
# per compiler family: optimisation + warnings, OpenMP compile flags, OpenMP link flags
FLAGS = {
    "gcc": (["-O3", "-Wno-unused-function"], ["-fopenmp"], ["-fopenmp"]),
    "clang": (["-O3", "-Wno-unused-function", "-Wno-unreachable-code"],
              ["-fopenmp"], ["-fopenmp"]),
    "apple-clang": (["-O3", "-Wno-unused-function", "-Wno-unreachable-code"],
                    ["-Xpreprocessor", "-fopenmp"], ["-lomp"]),
    "msvc": (["/O2", "/wd4244", "/wd4267"], ["/openmp"], []),
}


def compiler_family(compiler):
    """'msvc', 'apple-clang', 'clang' or 'gcc', from the compiler setuptools will call."""
    if compiler.compiler_type == "msvc":
        return "msvc"
    try:
        exe = compiler.compiler_so[0]
        version = subprocess.run([exe, "--version"], capture_output=True, text=True,
                                 timeout=60).stdout
    except Exception:  # an exotic driver: treat as gcc-compatible
        return "gcc"
    if "Apple clang" in version:
        return "apple-clang"
    return "clang" if "clang" in version else "gcc"


def user_flags():
    """CFLAGS and LDFLAGS from the environment (setuptools passes them to the extension link
    but not to an executable's, so the probe adds them: a sanitizer build stays parallel)."""
    return shlex.split(os.environ.get("CFLAGS", "")) + shlex.split(os.environ.get("LDFLAGS", ""))


def openmp_works(compiler, cflags, ldflags):
    """Compile, link and run the probe; True when it prints 2 threads."""
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(OPENMP_PROBE)
        objs = compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
        compiler.link_executable(objs, "probe", output_dir=tmp,
                                 extra_postargs=ldflags + user_flags())
        exe = os.path.join(tmp, compiler.executable_filename("probe"))
        out = subprocess.run([exe], capture_output=True, text=True, timeout=60)
        return out.returncode == 0 and out.stdout.strip() == "2"
    except Exception:  # any compile/link/run failure means "no OpenMP"
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def openmp_flags(compiler, family):
    """The OpenMP (compile, link) flags to use, honouring the two switches."""
    no, require = _switch("BIGDL_PY_NO_OPENMP"), _switch("BIGDL_PY_REQUIRE_OPENMP")
    if no and require:
        sys.exit("setup.py: BIGDL_PY_NO_OPENMP and BIGDL_PY_REQUIRE_OPENMP are both set")
    if no:
        return [], []
    _, cflags, ldflags = FLAGS[family]
    if openmp_works(compiler, cflags, ldflags):
        return cflags, ldflags
    why = (f"the C compiler ({family}: {' '.join(compiler.compiler_so or [])}) cannot build "
           f"and run an OpenMP program with {' '.join(cflags + ldflags)}")
    if require:
        sys.exit(f"setup.py: BIGDL_PY_REQUIRE_OPENMP=1 but {why}")
    banner = "*" * 72
    sys.stderr.write(
        f"\n{banner}\nWARNING: {why};\nbigdl_py is being built SERIAL "
        f"(bigdl_py.openmp_enabled() is False). Set BIGDL_PY_NO_OPENMP=1 to silence this,\n"
        f"BIGDL_PY_REQUIRE_OPENMP=1 to make it an error.\n{banner}\n\n")
    return [], []


class BuildExt(build_ext):
    """Cythonize (in parallel), then compile with the flags of the compiler in use."""

    def run(self):
        import numpy
        from Cython.Build import cythonize

        for ext in self.extensions:
            ext.include_dirs.append(numpy.get_include())
        jobs = self.parallel if isinstance(self.parallel, int) and self.parallel > 1 else None
        generated = cythonize(
            self.extensions,
            nthreads=jobs or os.cpu_count() or 1,
            include_path=[CORE],
            compiler_directives={
                "language_level": 3,
                "boundscheck": DEBUG,
                "wraparound": DEBUG,
                "initializedcheck": DEBUG,
                "cdivision": True,
                "embedsignature": True,
            },
        )
        # keep setuptools' Extension objects: only their sources become the generated C
        sources = {ext.name: ext.sources for ext in generated}
        for ext in self.extensions:
            ext.sources = sources[ext.name]
        super().run()

    def build_extensions(self):
        family = compiler_family(self.compiler)
        omp_compile, omp_link = openmp_flags(self.compiler, family)
        for ext in self.extensions:
            ext.extra_compile_args = FLAGS[family][0] + omp_compile + ext.extra_compile_args
            ext.extra_link_args = omp_link + ext.extra_link_args
        super().build_extensions()


def headers_of(source, seen=None):
    """The C headers ``source`` (.pyx/.pxd/.pxi in CORE) names, directly or through the
    files it cimports or includes: a header change must recompile the generated C, which
    Cython leaves as it is when only a header changed."""
    seen = set() if seen is None else seen
    seen.add(source)
    with open(source, encoding="utf-8") as f:
        text = f.read()
    names = re.findall(r'^\s*(?:from\s+(\w+)\s+cimport|cimport\s+(\w+))', text, re.M)
    found = set(re.findall(r'extern from "(\w+\.h)"', text))
    deps = [os.path.join(CORE, a or b) + ".pxd" for a, b in names]
    deps += [os.path.join(CORE, n) for n in re.findall(r'^include "(\w+\.pxi)"', text, re.M)]
    for d in deps:
        if os.path.exists(d) and d not in seen:
            found.update(os.path.basename(h) for h in headers_of(d, seen))
    todo = list(found)
    while todo:  # headers the headers include
        path = os.path.join(CORE, todo.pop())
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                more = set(re.findall(r'#include "(\w+\.h)"', f.read())) - found
            found |= more
            todo += more
    return sorted(os.path.join(CORE, h) for h in found if os.path.exists(os.path.join(CORE, h)))


def extensions():
    sources = sorted(glob.glob(os.path.join(CORE, "*.pyx")))
    if not sources:
        sys.exit(f"setup.py: no {CORE}/*.pyx found under {os.getcwd()}: the source tree or "
                 f"sdist is incomplete, and a package without its kernels cannot be built")
    return [Extension(f"bigdl_py.{os.path.splitext(os.path.basename(pyx))[0]}", [pyx],
                      include_dirs=[CORE], depends=headers_of(pyx),
                      define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")])
            for pyx in sources]


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
