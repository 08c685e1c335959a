"""The thread budget: set_num_threads/get_num_threads/threads(), the BLAS it bounds inside
bigdl_py's GEMMs (and only there), the cap, fork safety, and 1 vs 2 threads bitwise."""
import multiprocessing
import os

import numpy as np
import pytest
import threadpoolctl

import bigdl_py
from bigdl_py import _blas, _random, _tensor_ops, _testing
from bigdl_py.nn import Dropout, Linear


# ---- the budget ----------------------------------------------------------------------------
def test_set_and_get():
    bigdl_py.set_num_threads(3)
    assert bigdl_py.get_num_threads() == 3
    bigdl_py.set_num_threads(np.int64(2))
    assert bigdl_py.get_num_threads() == 2 and type(bigdl_py.get_num_threads()) is int
    bigdl_py.set_num_threads(bigdl_py.parallel.MAX_THREADS)
    assert bigdl_py.get_num_threads() == 1024


@pytest.mark.parametrize("bad, err, msg", [
    (0, ValueError, "set_num_threads: expected a positive int <= 1024 \\(MAX_THREADS\\), got 0"),
    (-3, ValueError, "got -3"),
    (1025, ValueError, "<= 1024 .* got 1025"),
    (40000, ValueError, "<= 1024 .* got 40000"),
    (1.5, TypeError, "set_num_threads: expected a positive int, got 1.5"),
    (True, TypeError, "got True"),
    ("2", TypeError, "got '2'"),
])
def test_invalid_counts(bad, err, msg):
    bigdl_py.set_num_threads(2)
    with pytest.raises(err, match=msg):
        bigdl_py.set_num_threads(bad)
    with pytest.raises(err, match=msg.replace("set_num_threads", "threads")):
        with bigdl_py.threads(bad):
            pass  # pragma: no cover
    assert bigdl_py.get_num_threads() == 2


def test_context_manager_restores():
    bigdl_py.set_num_threads(2)
    with bigdl_py.threads(1) as n:
        assert n == 1 and bigdl_py.get_num_threads() == 1
        with bigdl_py.threads(3):
            assert bigdl_py.get_num_threads() == 3
        assert bigdl_py.get_num_threads() == 1
    assert bigdl_py.get_num_threads() == 2
    with pytest.raises(RuntimeError, match="boom"):
        with bigdl_py.threads(1):
            raise RuntimeError("boom")
    assert bigdl_py.get_num_threads() == 2


def test_kernels_take_counts_below_one_as_one():
    # the one answer of _core's thread policy (threads.pxd): n_threads < 1 runs serially
    a, b = np.empty(1 << 16, np.float32), np.empty(1 << 16, np.float32)
    _random.fill("uniform", a, 0.0, 1.0, 7, 0, 1)
    _random.fill("uniform", b, 0.0, 1.0, 7, 0, 0)
    np.testing.assert_array_equal(a, b)
    _tensor_ops.mul(b, 3.0, -5)
    np.testing.assert_array_equal(b, a * np.float32(3.0))


# ---- BLAS inside bigdl_py's GEMMs ------------------------------------------------------------
needs_blas = pytest.mark.skipif(_testing.blas_library() is None,
                                reason="no BLAS whose thread count bigdl_py can set")


def _blas_counts():
    return {i["filepath"]: i["num_threads"] for i in threadpoolctl.threadpool_info()
            if i["user_api"] == "blas"}


def _gemm(m, n, k, dtype=np.float32):
    a, b, c = np.ones((m, k), dtype), np.ones((k, n), dtype), np.zeros((m, n), dtype)
    _blas.gemm(False, False, 1.0, a, b, 0.0, c, bigdl_py.get_num_threads())
    assert c[0, 0] == k


@pytest.fixture
def four_parts():
    """Split GEMMs into up to 4 parts whatever this machine's CPU count."""
    old = _testing.gemm_parts_max(4)
    yield
    _testing.gemm_parts_max(old)


def test_most_parts_follow_the_cpu_count():
    old = _testing.gemm_parts_max(1)
    _testing.gemm_parts_max(old)
    n = os.cpu_count() or 1
    assert old >= min(n, 64) and old & (old - 1) == 0 and (old == 1 or old // 2 < n)


@needs_blas
def test_gemms_split_over_the_budget_with_blas_held_at_one_thread(four_parts):
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        before = _blas_counts()
        bigdl_py.set_num_threads(1)
        _gemm(256, 256, 256)                   # 2**24 multiply-adds: BLAS alone would use 2
        assert (_testing.blas_threads_seen(), _testing.gemm_threads_seen()) == (1, 1)
        bigdl_py.set_num_threads(2)
        _gemm(256, 256, 256)                   # split over bigdl_py's team, BLAS still at 1
        assert (_testing.blas_threads_seen(), _testing.gemm_threads_seen()) == (1, 2)
        _gemm(32, 256, 64)                     # small (GEMM_PAR_MIN): one thread
        assert (_testing.blas_threads_seen(), _testing.gemm_threads_seen()) == (1, 1)
        _gemm(16, 48, 1 << 15)                 # large but too thin to split (GEMM_PART_ALIGN)
        assert _testing.gemm_threads_seen() == 1
        with bigdl_py.threads(1):
            Linear(512, 256).forward(np.ones((128, 512), np.float32))
        assert (_testing.blas_threads_seen(), _testing.gemm_threads_seen()) == (1, 1)
        assert _blas_counts() == before        # the user's BLAS settings are untouched


@needs_blas
def test_user_blas_limit_is_kept():
    bigdl_py.set_num_threads(2)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        before = _blas_counts()
        _gemm(256, 256, 256)
        assert _testing.blas_threads_seen() == 1
        assert _blas_counts() == before


@pytest.mark.parametrize("m, n, k, ta, tb", [
    (333, 129, 200, False, False),   # split by rows, a ragged last part
    (100, 700, 150, False, True),    # split by columns
    (700, 90, 160, True, False),
    (129, 513, 130, True, True),
    (600, 300, 300, False, False),   # four parts
])
def test_split_gemm_is_bitwise_the_one_thread_gemm(m, n, k, ta, tb, dtype, four_parts):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    c0 = rng.standard_normal((m, n)).astype(dtype)
    out = []
    for t in (1, 2):
        c = c0.copy()
        _blas.gemm(ta, tb, 1.5, a, b, 0.5, c, t)
        assert _testing.gemm_threads_seen() == t
        out.append(c)
    np.testing.assert_array_equal(out[0], out[1])
    ref = 1.5 * (a.T if ta else a).astype(np.float64) @ (b.T if tb else b) + 0.5 * c0
    np.testing.assert_allclose(out[1], ref, rtol=1e-4 if dtype == np.float32 else 1e-12,
                               atol=1e-3 if dtype == np.float32 else 1e-10)


@needs_blas
def test_blas_found_is_scipys():
    assert "scipy" in _testing.blas_library() or len(_blas_counts()) == 1


def test_linear_bitwise_at_1_and_2_threads(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 512)).astype(dtype)   # 96*512*384 > GEMM_PAR_MIN
    g = rng.standard_normal((96, 384)).astype(dtype)
    results = []
    for t in (1, 2):
        bigdl_py.RNG.set_seed(5)
        with bigdl_py.threads(t):
            m = Linear(512, 384, dtype=dtype)
            out = m.forward(x).copy()
            gi = m.backward(x, g).copy()
        results.append((out, gi, m.grad_weight.copy(), m.grad_bias.copy()))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


# ---- fork ----------------------------------------------------------------------------------------
def _child(x, expected, seed):
    # exit code 0 only if every check passes; a hang is caught by the parent's timeout
    if bigdl_py.get_num_threads() != 1:
        os._exit(3)
    bigdl_py.RNG.set_seed(seed)
    out = Dropout(0.5).forward(x)              # a parallel kernel (4M floats) in the child
    if not np.array_equal(out, expected):
        os._exit(4)
    Linear(512, 256).forward(np.ones((128, 512), np.float32))
    if _testing.blas_library() is not None and _testing.blas_threads_seen() != 1:
        os._exit(5)
    with bigdl_py.threads(2):
        pass
    bigdl_py.set_num_threads(2)                # explicit in the child: honoured
    os._exit(0 if bigdl_py.get_num_threads() == 2 else 6)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_fork_after_parallel_kernel():
    bigdl_py.set_num_threads(2)
    x = np.ones(1 << 22, np.float32)
    bigdl_py.RNG.set_seed(9)
    expected = Dropout(0.5).forward(x).copy()  # the parent's OpenMP team of 2 now exists
    Linear(512, 256).forward(np.ones((128, 512), np.float32))
    child = multiprocessing.get_context("fork").Process(target=_child, args=(x, expected, 9))
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the forked child hung in a parallel kernel")
    assert child.exitcode == 0
    assert bigdl_py.get_num_threads() == 2     # the parent keeps its budget
