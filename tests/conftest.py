import numpy as np
import pytest

import bigdl_py


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
