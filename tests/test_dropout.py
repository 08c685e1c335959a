"""Dropout and SpatialDropout1D/2D/3D (SPEC §4.1) against numpy oracles."""
import re

import numpy as np
import pytest
from gradcheck import Frozen, check_module_grads
from helpers import Z, assert_mask_backward_errors, assert_same_at_1_and_2_threads, bitwise

from bigdl_py import RNG, Tensor, _testing
from bigdl_py.nn import Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from bigdl_py.nn.dropout import mask_groups

SEED = 1234  # conftest seeds every test with this; the first stream offset is 0
M32 = np.uint64(0xFFFFFFFF)


# ---- independent numpy oracles -------------------------------------------------------------
def philox_words(n, key=SEED, offset=0):
    """Words 0..n-1 of the Philox4x32-10 stream (key, offset): word i%4 of block i//4."""
    blk = np.arange((n + 3) // 4, dtype=np.uint64)
    c0, c1 = blk & M32, blk >> np.uint64(32)
    c2 = np.full_like(blk, offset & 0xFFFFFFFF)
    c3 = np.full_like(blk, offset >> 32)
    k0, k1 = key & 0xFFFFFFFF, key >> 32
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
        p0, p1 = c0 * np.uint64(0xD2511F53), c2 * np.uint64(0xCD9E8D57)
        s32 = np.uint64(32)
        c0, c2 = (p1 >> s32) ^ c1 ^ np.uint64(k0), (p0 >> s32) ^ c3 ^ np.uint64(k1)
        c1, c3 = p1 & M32, p0 & M32
    return np.stack([c0, c1, c2, c3], 1).reshape(-1)[:n]


def philox_keep(n, p, offset=0):
    """Keep decisions: word < floor((1-p) * 2**32)."""
    return philox_words(n, offset=offset) < np.uint64(int(np.ldexp(1.0 - p, 32)))


def mt_keep(n, p, seed):
    """BigDL's Bernoulli(1-p) on MT19937: u = raw * 2**-32, keep when u <= 1-p."""
    raw = np.random.RandomState(seed)._bit_generator.random_raw(n)
    return raw * 2.0 ** -32 <= 1.0 - p


def dropped(x, keep, factor=None, div=True):
    t = x.dtype.type
    val = x if factor is None else (x / t(factor) if div else x * t(factor))
    return np.where(keep, val, t(0)).astype(x.dtype)


def spatial_mask(shape, shared, p, keep_fn=philox_keep):
    """The oracle mask broadcast to ``shape``: one decision per index of the other axes."""
    mshape = tuple(1 if i in shared else s for i, s in enumerate(shape))
    return keep_fn(int(np.prod(mshape)), p).reshape(mshape)


def test_numpy_philox_oracle_known_answer():
    from bigdl_py.random import philox4x32_10
    assert tuple(int(v) for v in philox_words(8, 77, 5)[4:]) == philox4x32_10((1, 0, 5, 0), (77, 0))


# ---- Dropout: values -----------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.3, 0.5, 0.9])
@pytest.mark.parametrize("scale", [True, False])
def test_dropout_matches_oracle(dtype, threads, p, scale):
    x = np.random.default_rng(0).standard_normal((137, 129)).astype(dtype)
    g = np.random.default_rng(1).standard_normal((137, 129)).astype(dtype)
    m = Dropout(p, scale=scale)
    keep = philox_keep(x.size, p).reshape(x.shape)
    y = m.forward(x)
    assert bitwise(y, dropped(x, keep, 1 - p if scale else None))
    assert bitwise(m.backward(x, g), dropped(g, keep, 1 / (1 - p) if scale else None, div=False))
    assert m._state_nbytes() == 8 * ((x.size + 63) // 64)


def test_dropout_value_set_and_kept_count():
    n, p = 2 ** 20, 0.3
    y = Dropout(p).forward(np.ones(n, np.float32))
    assert set(np.unique(y).tolist()) == {0.0, float(np.float32(1) / np.float32(1 - p))}
    kept = np.count_nonzero(y)
    assert abs(kept - n * (1 - p)) <= Z * np.sqrt(n * p * (1 - p))


def test_dropout_evaluation_bitwise(dtype):
    x = np.random.default_rng(2).standard_normal((5, 7)).astype(dtype)
    x[0, 0], x[1, 1] = np.nan, -0.0
    assert bitwise(Dropout(0.4).evaluate().forward(x), x)
    assert bitwise(Dropout(0.4, scale=False).evaluate().forward(x), x * dtype(0.6))
    g = np.ones_like(x)
    assert bitwise(Dropout(0.4, scale=False).evaluate().backward(x, g), g * dtype(0.6))
    assert bitwise(Dropout(0.4).evaluate().backward(x, g), g)


def test_p0_is_identity_without_draws(dtype):
    x = np.array([[1.5, np.nan, -0.0], [np.inf, -2.0, 3.0]], dtype)
    m = Dropout(0.0)
    assert bitwise(m.forward(x), x)
    assert bitwise(m.backward(x, x), x)
    assert RNG.philox_stream() == (SEED, 0)  # nothing was reserved


def test_p1_gives_zeros_even_for_nan_and_inf(dtype):
    x = np.array([np.nan, np.inf, -np.inf, 1.0, -0.0], dtype)
    for m in (Dropout(1.0), Dropout(1.0, scale=False), SpatialDropout1D(1.0)):
        xx = x.reshape(1, 5) if isinstance(m, SpatialDropout1D) else x
        y = m.forward(xx)
        assert bitwise(y, np.zeros_like(xx))
        assert bitwise(m.backward(xx, np.ones_like(xx)), np.zeros_like(xx))


def test_nan_kept_stays_nan_and_dropped_inf_is_zero(dtype):
    n = 4096
    x = np.where(np.arange(n) % 2 == 0, np.nan, np.inf).astype(dtype)
    keep = philox_keep(n, 0.5)
    y = Dropout(0.5).forward(x)
    assert np.isnan(y[keep & np.isnan(x)]).all() and np.isinf(y[keep & np.isinf(x)]).all()
    assert bitwise(y[~keep], np.zeros((~keep).sum(), dtype))


def test_one_and_two_threads_bitwise(dtype):
    x = np.random.default_rng(3).standard_normal(100_003).astype(dtype)

    def run():
        RNG.set_seed(SEED)
        m = Dropout(0.35)
        out = [m.forward(x), m.backward(x, x)]
        RNG.set_seed(SEED)
        s = SpatialDropout2D(0.35, "NHWC")
        return out + [s.forward(x[:100_000].reshape(10, 20, 25, 20))]
    assert_same_at_1_and_2_threads(run)


def test_avx2_and_portable_paths_bitwise(dtype, simd):
    # 21000 elements: the last 8192-element unit holds an odd number (69) of 64-element tiles
    x = np.random.default_rng(4).standard_normal((3, 1000, 7)).astype(dtype)
    results = []
    for on in (True, False):
        assert simd(on) == on
        res = []
        for m in (Dropout(0.3), Dropout(0.3, scale=False), Dropout(0.3, shared_axes=(1,)),
                  SpatialDropout1D(0.3), SpatialDropout2D(0.3, "NHWC", scale=True)):
            RNG.set_seed(SEED)
            xx = x.reshape(3, 10, 100, 7) if isinstance(m, SpatialDropout2D) else x
            res += [m.forward(xx), m.backward(xx, xx)]
        results.append(res)
    assert all(bitwise(a, b) for a, b in zip(*results))


def test_streaming_stores_give_the_same_bits(dtype):
    x = np.random.default_rng(14).standard_normal((3, 7, 9, 11)).astype(dtype)
    layers = lambda: (Dropout(0.3), Dropout(0.3, shared_axes=(2,)),  # noqa: E731
                      SpatialDropout2D(0.3), SpatialDropout2D(0.3, "NHWC", scale=True))
    results = []
    old = _testing.stream_threshold()
    try:
        for threshold in (old, 0):  # 0: every output is written with streaming stores
            _testing.stream_threshold(threshold)
            res = []
            for m in layers():
                RNG.set_seed(SEED)
                res += [m.forward(x), m.backward(x, x)]
            inplace = x.copy().reshape(-1)[1:].reshape(-1)  # a 4/8-byte-offset view
            RNG.set_seed(SEED)
            res.append(Dropout(0.3, inplace=True).forward(inplace).copy())
            results.append(res)
    finally:
        _testing.stream_threshold(old)
    assert all(bitwise(a, b) for a, b in zip(*results))


# ---- BigDL's numbers (mt19937) -------------------------------------------------------------
def test_bigdl_reference_dropout_seed_1():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(1)
    m = Dropout(0.5)
    x = np.arange(1, 9).reshape(2, 4)
    y = m.forward(x)
    assert y.dtype == np.float32
    assert np.array_equal(y, [[2, 0, 0, 0], [10, 12, 14, 0]])
    assert np.array_equal(m.backward(x, 0.5 * x), [[1, 0, 0, 0], [5, 6, 7, 0]])


def test_bigdl_reference_spatial_dropout_1d_seed_100():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(100)
    x = np.random.default_rng(5).random((3, 4, 5)) + 0.5
    m = SpatialDropout1D(0.7)
    y = m.forward(x)
    masks = [[0, 0, 1, 0, 0], [0, 0, 1, 1, 1], [1, 1, 0, 1, 0]]
    assert bitwise(y, np.where(np.array(masks, bool)[:, None, :], x, 0.0))
    assert bitwise(m.backward(x, np.ones_like(x)), np.broadcast_to(
        np.array(masks, np.float64)[:, None, :], x.shape).copy())


@pytest.mark.parametrize("p", [0.3, 0.7])
def test_mt19937_exact_rounding(dtype, p):
    RNG.set_algorithm("mt19937")
    RNG.set_seed(77)
    x = np.random.default_rng(6).standard_normal((9, 13)).astype(dtype)
    m = Dropout(p)
    keep = mt_keep(x.size, p, 77).reshape(x.shape)
    assert bitwise(m.forward(x), dropped(x, keep, 1 - p))          # x / (T)(1-p)
    assert bitwise(m.backward(x, x), dropped(x, keep, 1 / (1 - p), div=False))  # g * (T)(1/(1-p))
    s = SpatialDropout2D(p, "nhwc")  # one draw per (sample, channel), row-major
    xs = x[:, :12].reshape(3, 3, 4, 3)
    RNG.set_seed(77)
    mask = mt_keep(9, p, 77).reshape(3, 1, 1, 3)
    assert bitwise(s.forward(xs), np.where(mask, xs, dtype(0)).astype(dtype))


def test_mt19937_p1_gives_zeros_and_consumes_draws():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(3)
    x = np.array([np.nan, np.inf, 1.0])
    assert bitwise(Dropout(1.0).forward(x), np.zeros(3))
    assert bitwise(RNG.mt_raw(1), np.random.RandomState(3)._bit_generator.random_raw(4)[3:])


def test_mt19937_p0_consumes_draws_like_bigdl():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(3)
    x = np.arange(6.0).reshape(2, 3)
    assert bitwise(Dropout(0.0).forward(x), x)
    assert bitwise(RNG.mt_raw(1), np.random.RandomState(3)._bit_generator.random_raw(7)[6:])


# ---- masks shared over axes ------------------------------------------------------------------
LAYOUTS = [
    (SpatialDropout1D, {}, (4, 6, 5), {1}),
    (SpatialDropout1D, {}, (6, 5), {0}),
    (SpatialDropout2D, {"data_format": "NCHW"}, (3, 4, 5, 6), {2, 3}),
    (SpatialDropout2D, {"data_format": "NCHW"}, (4, 5, 6), {1, 2}),
    (SpatialDropout2D, {"data_format": "NHWC"}, (3, 5, 6, 4), {1, 2}),
    (SpatialDropout2D, {"data_format": "nhwc"}, (5, 6, 4), {0, 1}),
    (SpatialDropout3D, {"data_format": "NCHW"}, (2, 3, 4, 5, 6), {2, 3, 4}),
    (SpatialDropout3D, {"data_format": "NCHW"}, (3, 4, 5, 6), {1, 2, 3}),
    (SpatialDropout3D, {"data_format": "NHWC"}, (2, 4, 5, 6, 3), {1, 2, 3}),
    (SpatialDropout3D, {"data_format": "Nhwc"}, (4, 5, 6, 3), {0, 1, 2}),
]


@pytest.mark.parametrize("cls, kw, shape, shared", LAYOUTS)
@pytest.mark.parametrize("scale", [False, True])
def test_spatial_masks(dtype, threads, cls, kw, shape, shared, scale):
    p = 0.5
    x = np.random.default_rng(7).standard_normal(shape).astype(dtype) + 3
    m = cls(p, scale=scale, **kw)
    y = m.forward(x)
    mask = spatial_mask(shape, shared, p)
    assert bitwise(y, dropped(x, np.broadcast_to(mask, shape), 1 - p if scale else None))
    y0 = (y != 0)
    assert (y0 == y0.any(axis=tuple(shared), keepdims=True)).all()  # constant over shared axes
    g = np.ones_like(x)
    assert bitwise(m.backward(x, g), dropped(g, np.broadcast_to(mask, shape),
                                             1 / (1 - p) if scale else None, div=False))
    ev = m.evaluate().forward(x)
    assert bitwise(ev, x if scale else x * dtype(1 - p))


@pytest.mark.parametrize("shape, axes", [
    ((3, 4, 5, 6), (1, 3)), ((3, 4, 5, 6), (-1,)), ((3, 4, 5, 6), (0,)),
    ((3, 4, 5, 6), (0, 1, 2, 3)),
    ((2, 1, 70, 3), (2,)), ((130,), ()), ((), ()), ((4, 1), (0,)), ((2, 3, 4, 5, 6, 7), (0, 2, 4)),
])
def test_shared_axes_any_rank(dtype, shape, axes):
    p = 0.4
    x = np.array(np.random.default_rng(8).standard_normal(shape) + 5, dtype)
    m = Dropout(p, shared_axes=axes)
    y = m.forward(x)
    shared = {a % len(shape) for a in axes}
    mask = spatial_mask(shape, shared, p)
    assert bitwise(y, dropped(x, np.broadcast_to(mask, shape), 1 - p))
    full = np.broadcast_to(mask, shape)
    assert bitwise(m.backward(x, x), dropped(x, full, 1 / (1 - p), div=False))


def test_lasagne_dropout_channels_and_locations():
    x = np.random.default_rng(9).standard_normal((4, 8, 5, 5)).astype(np.float32)
    channels = Dropout(0.5, shared_axes=(2, 3)).forward(x)  # lasagne.layers.dropout_channels
    RNG.set_seed(SEED)
    assert bitwise(channels, SpatialDropout2D(0.5, scale=True).forward(x))
    locations = Dropout(0.5, shared_axes=(1,)).forward(x)  # lasagne.layers.dropout_locations
    nz = locations != 0
    assert (nz == nz[:, :1]).all() and 0 < nz.mean() < 1


def test_mask_groups():
    assert mask_groups((2, 3, 1, 4), (False, True, True, True)) == ((2, False), (12, True))
    assert mask_groups((1, 1), (False, True)) == ((1, False),)


# ---- gradients -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: Dropout(0.3), lambda: Dropout(0.3, scale=False), lambda: Dropout(0.3, shared_axes=(0,)),
    lambda: SpatialDropout1D(0.4), lambda: SpatialDropout2D(0.4, "NHWC", scale=True),
    lambda: SpatialDropout3D(0.4)])
def test_gradients(make):
    rng = np.random.default_rng(10)
    m = make()
    shapes = {SpatialDropout2D: (2, 3, 3, 4), SpatialDropout3D: (2, 3, 2, 2, 2)}
    shape = shapes.get(type(m), (3, 4, 5))
    x = rng.standard_normal(shape)
    check_module_grads(m.evaluate(), x)  # evaluation: the derivative of the evaluation forward
    check_module_grads(Frozen(m.training(), SEED), x)  # training with the mask frozen
    w = rng.standard_normal(shape)
    y = Frozen(m, SEED).forward(x)
    mask = (y != 0) * (1 / (1 - m.p) if m.scale else 1.0)
    assert np.allclose(m.backward(x, w), mask * w, rtol=1e-15, atol=0)


# ---- input kinds, in place -----------------------------------------------------------------
def test_tensor_input_returns_reused_output_tensor():
    m = Dropout(0.5)
    t = Tensor.from_numpy(np.ones((4, 5), np.float32))
    y1 = m.forward(t)
    y2 = m.forward(t)
    assert isinstance(y1, Tensor) and y1 is y2 and y1 is m.output
    g1 = m.backward(t, t)
    assert isinstance(g1, Tensor) and g1 is m.backward(t, t)
    assert bitwise(np.asarray(t), np.ones((4, 5), np.float32))


def test_list_and_int_inputs_become_float32():
    y = Dropout(0.5).forward([[1, 2], [3, 4]])
    assert isinstance(y, np.ndarray) and y.dtype == np.float32
    xi = np.arange(12, dtype=np.int64).reshape(3, 4)
    y = SpatialDropout1D(0.5).forward(xi)
    assert y.dtype == np.float32 and xi.dtype == np.int64


@pytest.mark.parametrize("view", [
    lambda a: a.T, lambda a: np.asfortranarray(a), lambda a: a[::-1, ::-2], lambda a: a[:, 1:7:2]])
def test_non_contiguous_inputs(dtype, view):
    base = np.random.default_rng(11).standard_normal((8, 12)).astype(dtype)
    x = view(base)
    y = Dropout(0.5).forward(x)
    RNG.set_seed(SEED)
    assert bitwise(y, Dropout(0.5).forward(np.ascontiguousarray(x)))


def test_inplace_writes_into_callers_array(dtype):
    x = np.random.default_rng(12).standard_normal((6, 7)).astype(dtype)
    ref = Dropout(0.5).forward(x)
    RNG.set_seed(SEED)
    y = Dropout(0.5, inplace=True).forward(x)
    assert y is x and bitwise(x, ref)
    # a non-contiguous writable view: the result lands in the caller's view
    base = np.random.default_rng(13).standard_normal((6, 14)).astype(dtype)
    keep = base.copy()
    view = base[:, ::2]
    RNG.set_seed(SEED)
    ref = Dropout(0.5).forward(view.copy())
    RNG.set_seed(SEED)
    assert Dropout(0.5, inplace=True).forward(view) is view
    assert bitwise(base[:, ::2], ref) and bitwise(base[:, 1::2], keep[:, 1::2])
    t = Tensor.from_numpy(np.ones((3, 3), dtype))
    assert Dropout(0.5, inplace=True).forward(t) is t


def test_inplace_falls_back_for_int_and_read_only():
    xi = np.arange(6).reshape(2, 3)
    y = Dropout(0.5, inplace=True).forward(xi)
    assert y is not xi and y.dtype == np.float32 and bitwise(xi, np.arange(6).reshape(2, 3))
    xr = np.ones((2, 3))
    xr.flags.writeable = False
    y = Dropout(0.5, inplace=True).forward(xr)
    assert y is not xr and bitwise(xr, np.ones((2, 3)))


def test_out_of_place_leaves_input_untouched():
    x = np.ones((4, 4))
    Dropout(0.5).forward(x)
    assert bitwise(x, np.ones((4, 4)))


def test_failed_inplace_call_leaves_input_untouched():
    x = np.ones((4, 4))
    with pytest.raises(ValueError,
                       match=r"Dropout: expected shared_axes in \[-2, 2\) .* got axis 2"):
        Dropout(0.5, inplace=True, shared_axes=(2,)).forward(x)
    assert bitwise(x, np.ones((4, 4)))
    assert RNG.philox_stream() == (SEED, 0)


def test_empty_and_single_element(dtype):
    for m in (Dropout(0.5), Dropout(0.5, shared_axes=(0,)), SpatialDropout2D(0.5)):
        x = np.empty((0, 3, 2, 2), dtype)
        assert m.forward(x).shape == (0, 3, 2, 2)
        assert m.backward(x, x).shape == (0, 3, 2, 2)
    y = Dropout(0.5).forward(np.array([2.0], dtype))
    assert bitwise(y, np.array([4.0], dtype)) or bitwise(y, np.array([0.0], dtype))


# ---- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, exc, match", [
    (True, TypeError, "Dropout: expected init_p to be a number, got True"),
    ("0.5", TypeError, "Dropout: expected init_p to be a number, got '0.5'"),
    (float("nan"), ValueError, r"Dropout: expected init_p in \[0, 1\], got nan"),
    (-0.1, ValueError, r"Dropout: expected init_p in \[0, 1\], got -0.1"),
    (1.5, ValueError, r"Dropout: expected init_p in \[0, 1\], got 1.5"),
])
def test_bad_probability(bad, exc, match):
    with pytest.raises(exc, match=match):
        Dropout(bad)
    with pytest.raises(exc, match=match.replace("Dropout", "SpatialDropout2D")):
        SpatialDropout2D(bad)
    with pytest.raises(exc, match=match.replace("init_p", "p")):
        Dropout(0.5).set_p(bad)


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match="Dropout: expected scale to be a bool, got 1"):
        Dropout(0.5, scale=1)
    with pytest.raises(TypeError, match="Dropout: expected inplace to be a bool, got 'yes'"):
        Dropout(0.5, inplace="yes")
    msg = "Dropout: expected shared_axes to be a tuple of ints, got "
    with pytest.raises(TypeError, match=msg + "1"):
        Dropout(0.5, shared_axes=1)
    with pytest.raises(TypeError, match=msg + r"\(True,\)"):
        Dropout(0.5, shared_axes=(True,))
    with pytest.raises(ValueError, match="SpatialDropout2D: expected data_format to be one of "
                                         r"'NCHW', 'NHWC' \(any case\), got 'NCWH'"):
        SpatialDropout2D(0.5, "NCWH")
    with pytest.raises(TypeError, match="SpatialDropout3D: expected data_format to be a string"
                                        ".* got 3"):
        SpatialDropout3D(0.5, 3)


@pytest.mark.parametrize("m, shape, match", [
    (SpatialDropout1D(), (5,), r"SpatialDropout1D: expected a 3-D \(N, T, C\) or 2-D \(T, C\) "
                               r"input, got shape \(5,\)"),
    (SpatialDropout2D(), (2, 3), r"SpatialDropout2D: expected a 4-D \(N, C, H, W\) or 3-D "
                                 r"\(C, H, W\) input for data_format 'NCHW', got shape \(2, 3\)"),
    (SpatialDropout2D(data_format="NHWC"), (1, 2, 3, 4, 5),
     r"4-D \(N, H, W, C\) or 3-D \(H, W, C\) input for data_format 'NHWC', got shape "
     r"\(1, 2, 3, 4, 5\)"),
    (SpatialDropout3D(), (2, 3, 4), r"SpatialDropout3D: expected a 5-D \(N, C, D, H, W\) or 4-D "
                                    r"\(C, D, H, W\) input for data_format 'NCHW', got shape"),
    (Dropout(shared_axes=(-3,)), (2, 3),
     r"Dropout: expected shared_axes in \[-2, 2\) for a 2-D input, got axis -3 of "
     r"shared_axes=\(-3,\) for input shape"),
])
def test_wrong_rank_draws_nothing(m, shape, match):
    with pytest.raises(ValueError, match=match):
        m.forward(np.ones(shape))
    assert RNG.philox_stream() == (SEED, 0)


def test_backward_errors():
    assert_mask_backward_errors(Dropout(0.5))


# ---- state, accessors, printing -----------------------------------------------------------------
def test_mask_state_is_one_bit_per_element():
    m = Dropout(0.5)
    m.forward(np.ones(2 ** 24, np.float32))
    assert m._state_nbytes() <= 2 * 2 ** 20
    s = SpatialDropout2D(0.5)
    s.forward(np.ones((8, 64, 16, 16), np.float32))
    assert s._state_nbytes() == 8 * 8  # 512 (sample, channel) bits
    assert m.clear_state()._state_nbytes() == 0


def test_p_accessors_and_strings():
    m = Dropout(0.5)
    assert m.get_p() == 0.5 and m.set_p(0.25) is m and m.get_p() == 0.25
    assert re.fullmatch(r"Dropout\[[0-9a-f]{8}\]\(0\.25\)", str(m))
    assert str(m.set_name("drop1")) == "Dropout[drop1](0.25)"
    assert re.fullmatch(r"SpatialDropout1D\[[0-9a-f]{8}\]\(0\.5\)", str(SpatialDropout1D()))
    assert re.fullmatch(r"SpatialDropout2D\[[0-9a-f]{8}\]\(0\.7\)", str(SpatialDropout2D(0.7)))
    assert re.fullmatch(r"SpatialDropout3D\[[0-9a-f]{8}\]\(1\.0E-4\)", str(SpatialDropout3D(1e-4)))
    assert SpatialDropout2D(0.5, "nhwc").data_format == "NHWC"


def test_importable_from_layer_module():
    from bigdl_py.nn import layer
    assert layer.Dropout is Dropout and layer.SpatialDropout3D is SpatialDropout3D
    assert Dropout().parameters() == {} and Dropout().get_weights() is None
