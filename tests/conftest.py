import numpy as np
import pytest

import bigdl_py
from bigdl_py import _activation, _batchnorm, _conv, _linear, _pooling, _testing


@pytest.fixture(autouse=True)
def _fresh_rng():
    """Every test starts in philox mode with a fixed seed and the default threads."""
    threads = bigdl_py.get_num_threads()
    bigdl_py.RNG.set_algorithm("philox")
    bigdl_py.RNG.set_seed(1234)
    yield
    bigdl_py.RNG.set_algorithm("philox")
    bigdl_py.set_num_threads(threads)


@pytest.fixture(params=[np.float32, np.float64], ids=["f32", "f64"])
def dtype(request):
    return request.param


@pytest.fixture(params=[1, 2], ids=["t1", "t2"])
def threads(request):
    bigdl_py.set_num_threads(request.param)
    return request.param


@pytest.fixture
def parallel_passes():
    """Run the passes on the OpenMP path even for small arrays (the library keeps passes
    serial below a size: 2**25 elements next to Linear's BLAS, 2**18 in the CNN kernels)."""
    modules = (_linear, _conv, _pooling, _batchnorm, _activation)
    old = [m._set_parallel_threshold(0) for m in modules]
    yield
    for m, v in zip(modules, old):
        m._set_parallel_threshold(v)


@pytest.fixture
def simd():
    """For tests comparing the AVX2 and portable paths: skips where the CPU has no AVX2 (or
    BIGDL_NO_AVX2 is set), yields the switch of every kernel module, restores AVX2 after."""
    if not _testing.set_simd(True):
        pytest.skip("no AVX2 on this CPU (or BIGDL_NO_AVX2 set): only the portable path")
    yield _testing.set_simd
    _testing.set_simd(True)


@pytest.fixture
def restore_loggers():
    """For tests that call BigDL's log helpers (``show_bigdl_info_logs``,
    ``redire_spark_logs``): put the loggers they change back as they were."""
    import logging
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate)
             for lg in map(logging.getLogger, ("bigdl_py", "py4j", "pyspark"))]
    yield
    for lg, level, handlers, propagate in saved:
        lg.setLevel(level)
        lg.handlers[:] = handlers
        lg.propagate = propagate


@pytest.fixture(scope="session")
def sc():
    """One local[2] SparkContext for the whole session, stopped at its end (tests that use
    it skip without pyspark)."""
    pytest.importorskip("pyspark")
    from bigdl_py.utils import get_spark_context
    context = get_spark_context("local[2]", app_name="bigdl_py tests")
    context.setLogLevel("ERROR")
    yield context
    context.stop()
