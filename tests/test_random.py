import os
import subprocess
import sys

import numpy as np
import pytest

import bigdl_py
from bigdl_py import RNG, _random, _testing
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


@pytest.mark.parametrize("bad", [-1, 2 ** 64])
def test_bad_seeds(bad):
    with pytest.raises(ValueError, match=r"RNG.set_seed: expected seed in "
                                         r"\[0, 2\*\*64 - 1\]"):
        RNG.set_seed(bad)


@pytest.mark.parametrize("bad", [1.5, "3", True, np.bool_(False), None])
def test_seed_of_wrong_type(bad):
    with pytest.raises(TypeError, match="RNG.set_seed: expected seed to be an int, got"):
        RNG.set_seed(bad)


def test_algorithm_switch():
    assert RNG.algorithm() == "philox"
    with pytest.raises(ValueError, match="RNG.set_algorithm: expected name to be one of"):
        RNG.set_algorithm("pcg64")
    with pytest.raises(TypeError, match="RNG.set_algorithm: expected name to be a string"):
        RNG.set_algorithm(None)
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


KINDS = {"uniform": (-1.0, 3.0), "normal": (0.5, 2.0), "bernoulli": (0.3, 0.0)}


def _whole(kind, dtype, n, key=11, offset=4, threads=2):
    out = np.empty(n, dtype)
    _random.fill(kind, out, *KINDS[kind], key, offset, threads)
    return out


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("chunk", [1, 3, 5, 63, 64, 65, 1000])
def test_chunked_fill_equals_whole_fill(kind, chunk, dtype):
    whole = _whole(kind, dtype, 2003)
    parts = np.empty(2003, dtype)
    _testing.fill_chunked(kind, parts, chunk, *KINDS[kind], 11, 4)
    assert np.array_equal(whole, parts)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 67, 40003])
def test_block_functions_equal_fill(kind, n, dtype):
    # the one-block functions of philox.pxd give the same numbers as the fills
    blocks = np.empty(n, dtype)
    _testing.fill_blocks(kind, blocks, *KINDS[kind], 11, 4)
    assert np.array_equal(blocks, _whole(kind, dtype, n))


@pytest.mark.parametrize("kind", list(KINDS))
def test_avx2_and_baseline_paths_agree(kind, dtype, simd):
    fast = _whole(kind, dtype, 100003)
    odd = np.empty(4099, dtype)
    _testing.fill_chunked(kind, odd, 257, *KINDS[kind], 11, 4)
    assert not simd(False)
    assert np.array_equal(fast, _whole(kind, dtype, 100003))
    odd_base = np.empty(4099, dtype)
    _testing.fill_chunked(kind, odd_base, 257, *KINDS[kind], 11, 4)
    assert np.array_equal(odd, odd_base)


@pytest.mark.parametrize("on", [True, False])
@pytest.mark.parametrize("start, key, offset", [
    (0, 0, 0), (3, 1234, 7), (4 * (2 ** 32 - 5) + 1, 2 ** 64 - 1, 2 ** 63 + 5),
    (4 * (2 ** 40 + 3), 0x299F31D0A4093822, 2 ** 32)])
def test_words_are_philox_blocks(start, key, offset, on, request):
    # the batched (AVX2 or baseline) words equal the reference block function, also
    # where the block index carries into its high word
    if on:
        request.getfixturevalue("simd")
    else:
        request.addfinalizer(lambda: _testing.set_simd(True))
        _testing.set_simd(False)
    n = 4 * 40 + 2
    w = np.empty(n, np.uint32)
    _testing.words(w, start, key, offset)
    ref = []
    for blk in range(start // 4, (start + n + 3) // 4):
        ref += philox4x32_10((blk % 2 ** 32, blk >> 32, offset % 2 ** 32, offset >> 32),
                             (key % 2 ** 32, key >> 32))
    assert w.tolist() == ref[start % 4:start % 4 + n]


def _oracle(kind, dtype, w):
    """The fills' definitions in numpy, from the raw words."""
    w = w.astype(np.uint64)
    a, b = KINDS[kind]
    if kind == "bernoulli":
        return (w < int(a * 2 ** 32)).astype(dtype)
    if dtype == np.float32:
        if kind == "uniform":
            return (np.float32(b - a) * ((w >> 8).astype(np.float32) * np.float32(2 ** -24))
                    + np.float32(a))
        u = ((w[0::2] >> 1).astype(np.float32) + np.float32(0.5)) * np.float32(2 ** -31)
        turn = (w[1::2] >> 8) * 2.0 ** -24
    else:
        hi, lo = w[0::2], w[1::2]
        x = ((hi >> 5) * 2 ** 26 + (lo >> 6)) * 2.0 ** -53
        if kind == "uniform":
            return x * (b - a) + a
        u, turn = x[0::2] + 2.0 ** -53, ((hi[1::2] << 21) | (lo[1::2] >> 11)) * 2.0 ** -53
    r = np.sqrt(-2 * np.log(u.astype(np.float64)))
    z = np.stack([r * np.cos(2 * np.pi * turn), r * np.sin(2 * np.pi * turn)], 1).reshape(-1)
    return z * b + a


@pytest.mark.parametrize("kind", list(KINDS))
def test_fills_match_numpy_oracle(kind, dtype):
    n = 2 ** 16
    per = 1 if dtype == np.float32 or kind == "bernoulli" else 2
    w = np.empty(per * n, np.uint32)
    _testing.words(w, 0, 11, 4)
    got, ref = _whole(kind, dtype, n), _oracle(kind, dtype, w)
    if kind == "normal":   # our own log/sin/cos/sqrt: within a few ulp
        tol = 4e-6 if dtype == np.float32 else 1e-13
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
    else:
        assert np.array_equal(got, ref)


def test_gauss_pair_extremes(dtype):
    # all-zero words give the largest radius and angle 0; all-ones words give u = 1
    per = 1 if dtype == np.float32 else 2
    z = np.empty(4, dtype)
    _testing.gauss_pairs(np.array([0] * 2 * per + [2 ** 32 - 1] * 2 * per, np.uint32), z)
    rmax = np.sqrt(2 * np.log(2.0) * (32 if dtype == np.float32 else 53))
    assert z[0] == pytest.approx(rmax, rel=1e-6) and z[1] == 0.0
    assert z[2] == 0.0 and z[3] == 0.0
    with pytest.raises(ValueError, match="gauss_pairs: expected an even-length output"):
        _testing.gauss_pairs(np.zeros(6, np.uint32), np.empty(3, dtype))


def test_fill_errors():
    out = np.empty(10, np.float32)
    with pytest.raises(ValueError, match="fill_chunked: expected chunk >= 1, got 0"):
        _testing.fill_chunked("normal", out, 0, 0.0, 1.0, 1, 0)
    with pytest.raises(ValueError, match="words: expected 0 <= start"):
        _testing.words(np.empty(4, np.uint32), -1, 1, 0)
    with pytest.raises(ValueError, match="words: expected 0 <= start"):
        _testing.words(np.empty(4, np.uint32), 2 ** 63 - 3, 1, 0)
    with pytest.raises(ValueError, match=r"fill: expected a kind in \('uniform', 'normal', "
                                         r"'bernoulli'\), got 'gamma'"):
        _random.fill("gamma", out, 0.0, 1.0, 1, 0, 1)
    raw, z = np.zeros(10, np.uint64), np.zeros(10)
    with pytest.raises(ValueError, match=r"mt_fill: expected 10 uint64 raw draws for uniform, "
                                         r"got \(9,\) uint64"):
        _random.mt_fill("uniform", out, raw[:9], 0.0, 1.0)
    with pytest.raises(ValueError, match=r"mt_fill: expected 10 float64 normals for normal, "
                                         r"got \(10,\) uint64"):
        _random.mt_fill("normal", out, raw, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"mt_fill: expected 10 uint64 raw draws for "
                                         r"bernoulli, got \(10,\) float64"):
        _random.mt_fill("bernoulli", out, z, 0.5, 0.0)


# ---- distribution of the normals beyond the first two moments ----------------------

def _normals(dtype, n, seed=3):
    RNG.set_seed(seed)
    return _fill("normal", dtype, n).astype(np.float64)


@pytest.mark.parametrize("t, p", [(3.0, 2.6997960632601857e-3), (4.0, 6.334248366623996e-5)])
def test_normal_tails(t, p, dtype):
    # fraction beyond |z| > t (p = 2 (1 - Phi(t))) within 6 standard errors on 2**22 draws
    n = 2 ** 22
    frac = np.mean(np.abs(_normals(dtype, n)) > t)
    assert abs(frac - p) < Z * np.sqrt(p * (1 - p) / n)


def test_normal_range(dtype):
    # |z| <= sqrt(-2 ln u_min): u >= 2**-32 (float32) or 2**-53 (float64)
    z = _normals(dtype, 2 ** 22)
    assert np.isfinite(z).all()
    assert np.abs(z).max() <= np.sqrt(2 * np.log(2.0) * (32 if dtype == np.float32 else 53))


def test_normal_histogram_chi2(dtype):
    # 128 equiprobable bins on 2**21 draws; bound: chi-square false-alarm rate 1e-9
    stats = pytest.importorskip("scipy.stats")
    n, bins = 2 ** 21, 128
    edges = stats.norm.ppf(np.arange(1, bins) / bins)
    counts = np.bincount(np.searchsorted(edges, _normals(dtype, n)), minlength=bins)
    chi2 = ((counts - n / bins) ** 2 / (n / bins)).sum()
    assert chi2 < stats.chi2.isf(1e-9, bins - 1)


@pytest.mark.parametrize("kind", ["normal", "uniform"])
def test_kolmogorov_smirnov(kind, dtype):
    # KS distance on 2**20 draws: sqrt(n) D > 3.2 has probability 2 exp(-2 * 3.2**2) < 3e-9
    stats = pytest.importorskip("scipy.stats")
    n = 2 ** 20
    RNG.set_seed(5)
    x = _fill(kind, dtype, n).astype(np.float64)
    cdf = stats.norm.cdf if kind == "normal" else stats.uniform.cdf
    assert np.sqrt(n) * stats.kstest(x, cdf).statistic < 3.2


def test_normal_pairs_uncorrelated(dtype):
    # Box-Muller halves, neighbours and block neighbours: |corr| < 6/sqrt(n)
    z = _normals(dtype, 2 ** 21)
    for lag in (1, 2, 4):
        a, b = z[:-lag], z[lag:]
        corr = np.mean(a * b) - a.mean() * b.mean()
        assert abs(corr) < Z / np.sqrt(len(a))
    # squares too: r**2 cos**2 and r**2 sin**2 share r
    s = z[0::2] ** 2 + z[1::2] ** 2           # r**2 is exponential with mean 2
    assert abs(s.mean() - 2) < Z * 2 / np.sqrt(len(s))


# ---- get_state / set_state ------------------------------------------------------------------
def _same_state(a, b):
    return a[:3] == b[:3] and a[4] == b[4] and a[3]["state"]["pos"] == b[3]["state"]["pos"] \
        and (a[3]["state"]["key"] == b[3]["state"]["key"]).all()


def test_set_state_restores_both_algorithms_and_the_normal_cache():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(3)
    RNG.normal_(np.empty(3))  # an odd count leaves a cached Box-Muller partner
    state = RNG.get_state()
    a = (RNG.normal_(np.empty(5)), RNG.mt_raw(4))
    RNG.set_algorithm("philox")
    RNG.set_seed(99)
    RNG.set_state(state)
    assert RNG.algorithm() == "mt19937" and RNG.get_seed() == 3
    b = (RNG.normal_(np.empty(5)), RNG.mt_raw(4))
    assert all((x == y).all() for x, y in zip(a, b))
    RNG.set_algorithm("philox")
    RNG.set_seed(5)
    RNG.uniform_(np.empty(4))
    state = RNG.get_state()
    a = RNG.uniform_(np.empty(6))
    RNG.set_state(state)
    assert (RNG.uniform_(np.empty(6)) == a).all()


def test_get_state_follows_every_mt_draw_and_gives_a_copy():
    # get_state keeps MT19937's state between draws (its getter is slow): each draw,
    # reseed or set_state must show in the next get_state, and a returned state is the
    # caller's own (writing into it changes neither the generator nor later states)
    RNG.set_algorithm("mt19937")
    RNG.set_seed(7)
    fresh = np.random.RandomState(7)._bit_generator
    s0 = RNG.get_state()
    s0[3]["state"]["key"][:] = 0
    s0[3]["state"]["pos"] = 5
    assert (RNG.get_state()[3]["state"]["key"] == fresh.state["state"]["key"]).all()
    RNG.uniform_(np.empty(3))
    fresh.random_raw(3)
    s1 = RNG.get_state()
    assert s1[3]["state"]["pos"] == fresh.state["state"]["pos"] == 3
    RNG.normal_(np.empty(3))  # Box-Muller draws through the same generator
    assert RNG.get_state()[3]["state"]["pos"] == 7
    RNG.set_state(s1)
    assert _same_state(RNG.get_state(), s1)
    RNG.set_seed(7)
    assert RNG.get_state()[3]["state"]["pos"] == 624
    RNG.set_algorithm("philox")


def _mt(key=None, pos=0, name="MT19937"):
    key = np.zeros(624, np.uint32) if key is None else key
    return {"bit_generator": name, "state": {"key": key, "pos": pos}}


@pytest.mark.parametrize("change, error, match", [
    (lambda s: list(s), TypeError, r"expected a state from RNG.get_state\(\) \(a tuple\), got "
                                   r"list"),
    (lambda s: s[:4], ValueError, r"expected a state from RNG.get_state\(\) \(5 parts\), got 4 "
                                  r"parts"),
    (lambda s: ("x",) + s[1:], ValueError, r"expected algorithm to be one of 'philox', "
                                           r"'mt19937'"),
    (lambda s: (3,) + s[1:], TypeError, r"expected algorithm to be a string"),
    (lambda s: s[:1] + (-1,) + s[2:], ValueError, r"expected seed in \[0, 2\*\*64 - 1\], got -1"),
    (lambda s: s[:1] + ("3",) + s[2:], TypeError, r"expected seed to be an int, got '3'"),
    (lambda s: s[:2] + (1.5,) + s[3:], TypeError, r"expected offset to be an int, got 1.5"),
    (lambda s: s[:3] + ([1, 2],) + s[4:], TypeError, r"expected the MT19937 state as a dict "
                                                     r"like get_state\(\)'s, got list"),
    (lambda s: s[:3] + ({"bit_generator": "MT19937"},) + s[4:], TypeError,
     r"expected the MT19937 state's 'state' entry to be a dict, got NoneType"),
    (lambda s: s[:3] + (_mt(name="PCG64"),) + s[4:], ValueError,
     r"expected an MT19937 state, got bit_generator 'PCG64'"),
    (lambda s: s[:3] + (_mt(key=np.zeros(624, np.int64)),) + s[4:], TypeError,
     r"expected the MT19937 key as a uint32 ndarray, got int64"),
    (lambda s: s[:3] + (_mt(key=[0] * 624),) + s[4:], TypeError,
     r"expected the MT19937 key as a uint32 ndarray, got list"),
    (lambda s: s[:3] + (_mt(key=np.zeros(623, np.uint32)),) + s[4:], ValueError,
     r"expected the MT19937 key of shape \(624,\), got \(623,\)"),
    (lambda s: s[:3] + (_mt(pos=625),) + s[4:], ValueError,
     r"expected the MT19937 pos in \[0, 624\], got 625"),
    (lambda s: s[:4] + (float("nan"),), ValueError, r"expected cached_normal to be a finite "
                                                    r"number, got nan"),
    (lambda s: s[:4] + ("0.5",), TypeError, r"expected cached_normal to be a number"),
])
def test_set_state_checks_everything_before_changing_anything(change, error, match):
    RNG.set_algorithm("philox")
    RNG.set_seed(11)
    RNG.uniform_(np.empty(3))
    state = RNG.get_state()
    bad = change(RNG.get_state())
    with pytest.raises(error, match="RNG.set_state: " + match):
        RNG.set_state(bad)
    assert _same_state(RNG.get_state(), state)
