"""Test-only entry points of bigdl_py, in one private place (not API: they may change).

- ``set_simd(on)`` / ``simd(on)``: the one switch of the AVX2 paths, applied to every kernel
  module built on ``_core/bigdl_simd.h`` (Philox fills, dropout, noise, the direct
  convolution loops, batch norm; each module has its own copy of the decision); both paths
  give identical bits, and the tests compare them.
- ``words``, ``fill_chunked``, ``fill_blocks``, ``gauss_pairs``: Philox internals of
  ``bigdl_py._random`` (raw words, chunked and one-block fills, Box-Muller pairs).
- ``stream_threshold``: the output size from which dropout and batch norm write with
  streaming stores.
- ``batchnorm_avx512(on)``: the switch of the batch-norm lane sums' AVX-512 build.
- ``threads_used``: how many OpenMP threads a ``prange`` really ran on.
- ``optim_parallel_threshold``: the element count from which the optim-update and clipping
  kernels (``_optim``, ``_gradclip``) use threads; returns the old one.
- ``winograd(on)``: ``with winograd(True):`` runs every 3x3 stride-1 ungrouped
  SpatialConvolution on the Winograd kernels, ``False`` on patches + GEMM.
- ``blas_library()``: the BLAS whose threads bigdl_py's GEMMs control (None: none found);
  ``blas_threads_seen()``: the BLAS thread count in effect inside the last GEMM;
  ``gemm_threads_seen()``: the threads of bigdl_py's team the last GEMM was split over;
  ``gemm_parts_max(n)``: set the most parts of a split GEMM (the machine's CPU count
  rounded up to a power of two), returns the old one.
"""
import contextlib
import importlib
import importlib.machinery
import os

from . import _batchnorm, _dropout, _gradclip, _openmp, _optim, _random, _winograd, parallel

words = _random._words
fill_chunked = _random._fill_chunked
fill_blocks = _random._fill_blocks
gauss_pairs = _random._gauss_pairs
threads_used = _openmp._threads_used
blas_library = parallel._blas_library
blas_threads_seen = parallel._blas_threads_seen
gemm_threads_seen = parallel._gemm_threads_seen
gemm_parts_max = parallel._set_gemm_parts_max


def stream_threshold(nbytes=None):
    """The output size (bytes) from which dropout and batch norm write with streaming stores
    on their AVX2 paths; a value sets it in both.  Returns the old one (the two move
    together)."""
    _batchnorm._stream_threshold(nbytes)
    return _dropout._stream_threshold(nbytes)


def batchnorm_avx512(on):
    """Allow (True) or forbid (False) the AVX-512 build of the batch-norm lane sums (used on
    CPUs with AVX512F when the AVX2 paths are on); returns whether it is used now."""
    return _batchnorm._set_avx512(bool(on))


def optim_parallel_threshold(n):
    """Set the element count from which the optim-update (``_optim``) and clipping
    (``_gradclip``) kernels use threads; returns the old one (the two move together)."""
    _gradclip._set_parallel_threshold(n)
    return _optim._set_parallel_threshold(n)


def kernel_modules():
    """The compiled modules that carry the SIMD switch (``_set_simd``)."""
    here = os.path.dirname(os.path.abspath(__file__))
    names = {f[:-len(s)].split(".")[0] for f in os.listdir(here)
             for s in importlib.machinery.EXTENSION_SUFFIXES if f.endswith(s)}
    modules = [importlib.import_module(f"{__package__}.{n}") for n in sorted(names)]
    return [m for m in modules if hasattr(m, "_set_simd")]


def set_simd(on):
    """Allow (True) or forbid (False) the AVX2 paths in every kernel module; returns whether
    they are in use now (False on CPUs without AVX2 or with ``BIGDL_NO_AVX2`` set)."""
    return all([m._set_simd(bool(on)) for m in kernel_modules()])


@contextlib.contextmanager
def winograd(on):
    """``with winograd(True):`` forces the Winograd path of SpatialConvolution wherever it
    applies (3x3, stride 1, one group), ``False`` forbids it; the rule returns after."""
    old = _winograd._set_path("on" if on else "off")
    try:
        yield
    finally:
        _winograd._set_path(old)


@contextlib.contextmanager
def simd(on):
    """``with simd(False):`` runs the block on the portable paths, then allows AVX2 again.
    Yields whether the AVX2 paths are in use inside the block."""
    try:
        yield set_simd(on)
    finally:
        set_simd(True)
