import os
import subprocess
import sys

import numpy as np
import pytest

import bigdl_py
from bigdl_py import RNG
from bigdl_py.random import philox4x32_10

Z = 6.0  # every statistical bound below is 6 standard errors
N = 2 ** 20


@pytest.mark.parametrize("counter, key, expected", [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
])
def test_philox_known_answers(counter, key, expected):
    assert philox4x32_10(counter, key) == expected


def test_philox_rejects_bad_words():
    with pytest.raises(ValueError, match="philox4x32_10: expected 4 counter"):
        philox4x32_10((0, 0, 0), (0, 0))
    with pytest.raises(ValueError, match="philox4x32_10: expected"):
        philox4x32_10((0, 0, 0, 2 ** 32), (0, 0))


def test_mt19937_reproduces_bigdl_uniforms():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(100)
    out = np.empty(8, np.float32)
    RNG.uniform_(out)
    ref = np.array([0.54340494, 0.67115563, 0.2783694, 0.4120464, 0.4245176, 0.52638245,
                    0.84477615, 0.14860484], np.float32)
    assert np.array_equal(out, ref)


def test_mt19937_normal_cached_pair():
    # two fills of 3 then 3 equal one fill of 6: the sin half of a pair is cached
    RNG.set_algorithm("mt19937")
    RNG.set_seed(9)
    a = np.empty(3)
    b = np.empty(3)
    RNG.normal_(a)
    RNG.normal_(b)
    RNG.set_seed(9)
    c = np.empty(6)
    RNG.normal_(c)
    assert np.array_equal(np.concatenate([a, b]), c)
    # an independent Box-Muller on numpy's MT19937 raw draws, bit for bit
    raw = np.random.RandomState(9)._bit_generator.random_raw(6) * 2.0 ** -32
    rho = np.sqrt(-2 * np.log(1 - raw[1::2]))
    ref = np.stack([rho * np.cos(2 * np.pi * raw[::2]), rho * np.sin(2 * np.pi * raw[::2])], 1)
    assert np.array_equal(c, ref.reshape(-1))
    RNG.set_seed(9)
    f = np.empty((2, 3), np.float32)
    RNG.normal_(f, 0.0, 0.2)
    # BigDL's GaussianNoise(0.2) on ones((2, 3)) with seed 9 (SPEC §2)
    assert np.array_equal(np.float32(1) + f, np.array(
        [[1.190023, 1.0124038, 0.7648297], [0.99722993, 0.975397, 1.0006535]], np.float32))


@pytest.mark.parametrize("bad", [-1, 2 ** 64, 1.5, "3", True, None])
def test_bad_seeds(bad):
    with pytest.raises(ValueError, match="RNG.set_seed: expected a non-negative int"):
        RNG.set_seed(bad)


def test_algorithm_switch():
    assert RNG.algorithm() == "philox"
    with pytest.raises(ValueError, match="RNG.set_algorithm: expected one of"):
        RNG.set_algorithm("pcg64")
    RNG.set_seed(2 ** 64 - 1)
    assert RNG.get_seed() == 2 ** 64 - 1


def _fill(kind, dtype, n=N):
    out = np.empty(n, dtype)
    getattr(RNG, kind + "_")(out)
    return out


@pytest.mark.parametrize("kind", ["uniform", "normal", "bernoulli"])
def test_fills_independent_of_threads(kind, dtype):
    bigdl_py.set_num_threads(1)
    RNG.set_seed(7)
    one = _fill(kind, dtype, N + 3)
    bigdl_py.set_num_threads(2)
    RNG.set_seed(7)
    two = _fill(kind, dtype, N + 3)
    assert np.array_equal(one, two)


def test_fills_independent_of_omp_env():
    code = ("import numpy as np, bigdl_py; bigdl_py.RNG.set_seed(5); a = np.empty(100003, "
            "np.float32); bigdl_py.RNG.normal_(a); print(a.view(np.uint32).sum(dtype=np.uint64))")
    sums = set()
    for threads in ("1", "2"):
        root = os.path.dirname(os.path.dirname(bigdl_py.__file__))
        env = dict(os.environ, OMP_NUM_THREADS=threads, PYTHONPATH=root)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True, cwd=os.path.dirname(__file__))
        sums.add(out.stdout.strip())
    assert len(sums) == 1


def test_successive_fills_differ():
    a = _fill("uniform", np.float32, 1000)
    b = _fill("uniform", np.float32, 1000)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("seed", [0, 1, 2 ** 40 + 3])
def test_uniform_moments(seed, dtype):
    RNG.set_seed(seed)
    u = _fill("uniform", dtype).astype(np.float64)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < Z * np.sqrt(1 / 12 / N)
    # var of (u - 1/2)^2 is 1/180
    assert abs(u.var() - 1 / 12) < Z * np.sqrt(1 / 180 / N)


@pytest.mark.parametrize("seed", [0, 1, 2 ** 40 + 3])
def test_normal_moments(seed, dtype):
    RNG.set_seed(seed)
    z = _fill("normal", dtype).astype(np.float64)
    assert np.isfinite(z).all()
    assert abs(z.mean()) < Z * np.sqrt(1 / N)
    assert abs(z.var() - 1) < Z * np.sqrt(2 / N)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_bernoulli_rate(p, dtype):
    out = np.empty(N, dtype)
    RNG.bernoulli_(out, p)
    assert set(np.unique(out)) <= {0.0, 1.0}
    assert abs(out.mean() - p) <= Z * np.sqrt(p * (1 - p) / N)


def test_openmp_build():
    # a normal build on this machine (gcc) must have OpenMP; BIGDL_PY_ALLOW_SERIAL=1 opts out
    if os.environ.get("BIGDL_PY_ALLOW_SERIAL") == "1":
        pytest.skip("serial build explicitly allowed")
    assert bigdl_py.openmp_enabled()
    from bigdl_py import _openmp
    assert _openmp.threads_used(2) == 2


def test_thread_setting():
    with pytest.raises(ValueError, match="set_num_threads: expected a positive int, got 0"):
        bigdl_py.set_num_threads(0)
    with pytest.raises(ValueError, match="positive"):
        bigdl_py.set_num_threads(-3)
    with pytest.raises(TypeError, match="set_num_threads"):
        bigdl_py.set_num_threads(1.5)
    bigdl_py.set_num_threads(3)
    assert bigdl_py.get_num_threads() == 3


@pytest.mark.parametrize("chunk", [1, 3, 5, 1000])
def test_chunked_normal_equals_whole_fill(chunk, dtype):
    from bigdl_py import _random
    whole = np.empty(2003, dtype)
    _random.normal(whole, 0.5, 2.0, 11, 4, 2)
    parts = np.empty(2003, dtype)
    _random.fill_chunked("normal", parts, chunk, 0.5, 2.0, 11, 4)
    assert np.array_equal(whole, parts)
