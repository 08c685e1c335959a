"""Build script: compiles every ``_core/*.pyx`` into ``bigdl_py._<name>``.

OpenMP is probed by compiling and running a tiny program with the compiler
setuptools chose; without it the build is serial and says so loudly.
Set ``BIGDL_PY_DEBUG=1`` to turn bounds and wraparound checks back on.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
DEBUG = os.environ.get("BIGDL_PY_DEBUG", "") not in ("", "0")
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


def openmp_works(compiler):
    """Compile, link and run the probe with ``-fopenmp``; True when it prints 2 threads."""
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(OPENMP_PROBE)
        objs = compiler.compile([src], output_dir=tmp, extra_postargs=["-fopenmp"])
        exe = os.path.join(tmp, "probe")
        compiler.link_executable(objs, exe, extra_postargs=["-fopenmp"])
        out = subprocess.run([exe], capture_output=True, text=True, timeout=60)
        return out.returncode == 0 and out.stdout.strip() == "2"
    except Exception:  # any compile/link/run failure means "no OpenMP"
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExt(build_ext):
    def build_extensions(self):
        flags = ["-O3"]
        link = []
        if openmp_works(self.compiler):
            flags.append("-fopenmp")
            link.append("-fopenmp")
        else:
            banner = "*" * 72
            sys.stderr.write(
                f"\n{banner}\nWARNING: the C compiler cannot build OpenMP programs;\n"
                f"bigdl_py is being built SERIAL (bigdl_py.openmp_enabled() is False).\n{banner}\n\n")
        for ext in self.extensions:
            ext.extra_compile_args = flags + ext.extra_compile_args
            ext.extra_link_args = link + ext.extra_link_args
        super().build_extensions()


def extensions():
    exts = []
    for pyx in sorted(glob.glob(os.path.join("_core", "*.pyx"))):
        mod = os.path.splitext(os.path.basename(pyx))[0]
        exts.append(Extension(
            f"bigdl_py.{mod}", [pyx],
            include_dirs=[numpy.get_include(), os.path.join(HERE, "_core")],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=["-Wno-unused-function", "-Wno-unreachable-code"],
        ))
    return cythonize(
        exts,
        include_path=[os.path.join(HERE, "_core")],
        compiler_directives={
            "language_level": 3,
            "boundscheck": DEBUG,
            "wraparound": DEBUG,
            "initializedcheck": DEBUG,
            "cdivision": True,
            "embedsignature": True,
        },
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
