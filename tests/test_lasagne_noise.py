"""bigdl_py.lasagne noise layers: the behaviours of Lasagne's test_noise.py (value sets,
means, deterministic identity, shared-axes structure, convenience functions) on top of
bigdl_py's Dropout / GaussianNoise, plus the backward and argument errors."""
import math

import numpy as np
import pytest
from helpers import Z

from bigdl_py import RNG
from bigdl_py.lasagne.layers import (DropoutLayer, GaussianNoiseLayer, InputLayer, dropout,
                                     dropout_channels, dropout_locations, get_gradients,
                                     get_output, spatial_dropout)


@pytest.fixture(params=[(100, 100), (None, 100)], ids=["fixed", "none"])
def input_layer(request):
    return InputLayer(request.param)


def _mean_bound(values, p):
    """|mean - E| bound for n values in {0, v} kept with prob 1-p: Z * v sqrt(p(1-p)/n)."""
    return Z * values * math.sqrt(p * (1 - p) / 10000)


def test_non_deterministic_rescaled(input_layer, dtype, threads):
    out = get_output(DropoutLayer(input_layer), np.ones((100, 100), dtype))
    assert out.dtype == dtype
    assert abs(out.mean() - 1.0) < _mean_bound(2.0, 0.5)
    assert np.unique(out).tolist() == [0.0, 2.0]


def test_deterministic_is_identity(input_layer):
    x = np.random.default_rng(0).standard_normal((100, 100))
    for layer in (DropoutLayer(input_layer), DropoutLayer(input_layer, rescale=False),
                  DropoutLayer(input_layer, p=1.0)):
        out = get_output(layer, x, deterministic=True)
        assert out is x  # passed on unchanged (not BigDL's x*(1-p) for rescale=False)


def test_no_rescale(input_layer):
    out = get_output(DropoutLayer(input_layer, rescale=False), np.ones((100, 100)))
    assert abs(out.mean() - 0.5) < _mean_bound(1.0, 0.5)
    assert np.unique(out).tolist() == [0.0, 1.0]


def test_no_rescale_keeps_integer_dtype(input_layer):
    x = np.full((100, 100), 7, dtype=np.int32)
    out = get_output(DropoutLayer(input_layer, rescale=False), x)
    assert out.dtype == np.int32 and np.unique(out).tolist() == [0, 7]


def test_p_02(input_layer):
    out = get_output(DropoutLayer(input_layer, p=0.2), np.ones((100, 100)))
    assert abs(out.mean() - 1.0) < _mean_bound(1.25, 0.2)
    assert np.round(np.unique(out), 2).tolist() == [0.0, 1.25]


def test_p_float32(input_layer):
    layer = DropoutLayer(input_layer, p=np.float32(0.5))
    assert get_output(layer, np.ones((100, 100), np.float32)).dtype == np.float32


def test_p_zero_and_one(input_layer):
    x = np.random.default_rng(1).standard_normal((100, 100))
    assert get_output(DropoutLayer(input_layer, p=0.0), x) is x
    assert (get_output(DropoutLayer(input_layer, p=1.0), x) == 0).all()


@pytest.mark.parametrize("shared_axes", [(), (0,), (2, 3), (-1, -2)])
def test_shared_axes(shared_axes, threads):
    layer = DropoutLayer(InputLayer((2, 4, 7, 9)), shared_axes=shared_axes)
    out = get_output(layer, np.ones((2, 4, 7, 9)))
    # the mask is constant along the shared axes: the mean over them broadcasts back
    np.testing.assert_array_equal(out.mean(axis=shared_axes, keepdims=True)
                                  * np.ones_like(out), out)
    assert np.unique(out).tolist() == [0.0, 2.0]
    if shared_axes:  # and the other axes do vary (2*4 or 7*9 masks: all equal has p ~ 2**-7)
        assert out.std(axis=tuple(a for a in range(4) if a % 4 not in
                                  {x % 4 for x in shared_axes})).max() > 0


def test_same_seed_same_mask(input_layer):
    x = np.ones((100, 100))
    RNG.set_seed(123456789)
    a = get_output(DropoutLayer(input_layer), x)
    b = get_output(GaussianNoiseLayer(input_layer), x)
    RNG.set_seed(123456789)
    np.testing.assert_array_equal(a, get_output(DropoutLayer(input_layer), x))
    np.testing.assert_array_equal(b, get_output(GaussianNoiseLayer(input_layer), x))


def test_one_thread_equals_two():
    import bigdl_py
    x = np.random.default_rng(2).standard_normal((64, 257))
    outs = []
    for n in (1, 2):
        bigdl_py.set_num_threads(n)
        RNG.set_seed(99)
        l_in = InputLayer((None, 257))
        outs.append(get_output(GaussianNoiseLayer(DropoutLayer(l_in, p=0.3)), x))
    np.testing.assert_array_equal(outs[0], outs[1])


@pytest.mark.parametrize("shape,channels,locations", [
    ((10, 20), (), (1,)),
    ((None, None, None), (2,), (1,)),
    ((1, 2, 3, 4), (2, 3), (1,)),
    ((1, 2, 3, 4, 5), (2, 3, 4), (1,)),
    ((1, 2, 3, 4, 5, 6), (2, 3, 4, 5), (1,)),
])
def test_convenience_functions(shape, channels, locations):
    assert dropout_channels(shape).shared_axes == channels
    assert spatial_dropout(shape).shared_axes == channels
    assert dropout_locations(shape).shared_axes == locations
    layer = dropout_channels(InputLayer(shape), p=0.2, rescale=False)
    assert layer.shared_axes == channels and layer.p == 0.2 and layer.rescale is False
    assert dropout is DropoutLayer


def test_dropout_channels_drops_whole_channels():
    layer = dropout_channels(InputLayer((8, 16, 5, 6)), p=0.5)
    out = get_output(layer, np.ones((8, 16, 5, 6)))
    per_channel = out.reshape(8, 16, -1)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    layer = dropout_locations(InputLayer((8, 16, 5, 6)), p=0.5)
    out = get_output(layer, np.ones((8, 16, 5, 6)))
    assert ((out == 0).all(1) | (out == 2).all(1)).all()


def test_dropout_backward_uses_the_forward_mask(dtype):
    l_in = InputLayer((None, 50))
    layer = DropoutLayer(l_in, p=0.3)
    x = np.random.default_rng(3).standard_normal((20, 50)).astype(dtype)
    out = get_output(layer, x)
    g = np.random.default_rng(4).standard_normal((20, 50)).astype(dtype)
    grads = get_gradients(layer, x, g)
    kept = out != 0
    np.testing.assert_allclose(grads.input, np.where(kept, g / dtype(0.7), 0), rtol=1e-6)
    assert grads.params == {}
    # deterministic pass: the gradient is grad_output itself
    get_output(layer, x, deterministic=True)
    np.testing.assert_array_equal(get_gradients(layer, x, g).input, g)


def test_gaussian_noise_non_deterministic(input_layer, dtype):
    x = np.ones((100, 100), dtype)
    out = get_output(GaussianNoiseLayer(input_layer), x)
    assert out.dtype == dtype
    assert (out != x).all()
    assert abs(out.mean() - 1.0) < Z * 0.1 / 100
    assert abs(out.std() - 0.1) < Z * 0.1 / math.sqrt(2 * 10000)


def test_gaussian_noise_deterministic_and_zero_sigma(input_layer):
    x = np.ones((100, 100))
    assert get_output(GaussianNoiseLayer(input_layer), x, deterministic=True) is x
    assert get_output(GaussianNoiseLayer(input_layer, sigma=0), x) is x
    layer = GaussianNoiseLayer(input_layer, sigma=0.5)
    get_output(layer, x)
    g = np.full((100, 100), 3.0)
    np.testing.assert_array_equal(get_gradients(layer, x, g).input, g)


def test_layers_built_from_shapes_take_the_input_directly():
    layer = DropoutLayer((2, 4, 7, 9), p=0.5)
    assert layer.input_layer is None
    out = layer.get_output_for(np.ones((2, 4, 7, 9)))
    assert np.unique(out).tolist() == [0.0, 2.0]
    out = get_output(layer, np.ones((2, 4, 7, 9)))
    np.testing.assert_array_equal(get_gradients(layer, np.ones((2, 4, 7, 9)), np.ones_like(out))
                                  .input, out)


def test_p_is_settable_and_checked(input_layer):
    layer = DropoutLayer(input_layer, p=0.5)
    layer.p = 0.2
    out = get_output(layer, np.ones((100, 100)))
    assert np.round(np.unique(out), 2).tolist() == [0.0, 1.25]
    with pytest.raises(ValueError, match=r"DropoutLayer: expected p in \[0, 1\], got 1.5"):
        layer.p = 1.5
    assert layer.p == 0.2


def test_errors():
    with pytest.raises(ValueError, match=r"DropoutLayer: expected p in \[0, 1\], got -0.1"):
        DropoutLayer((2, 3), p=-0.1)
    with pytest.raises(ValueError, match=r"DropoutLayer: expected p in \[0, 1\], got nan"):
        DropoutLayer((2, 3), p=float("nan"))
    with pytest.raises(TypeError, match="DropoutLayer: expected p to be a number"):
        DropoutLayer((2, 3), p="0.5")
    with pytest.raises(ValueError, match=r"distinct shared_axes in \[-2, 2\) for a "
                                         r"2-dimensional input, got \(2,\)"):
        DropoutLayer((2, 3), shared_axes=(2,))
    with pytest.raises(ValueError, match=r"got \(1, -1\)"):
        DropoutLayer((2, 3), shared_axes=(1, -1))
    with pytest.raises(TypeError, match="shared_axes to be a tuple of ints"):
        DropoutLayer((2, 3), shared_axes=(0.5,))
    with pytest.raises(TypeError, match="dropout_channels: shared_axes is chosen by this "
                                        r"function, got shared_axes=\(0,\)"):
        dropout_channels((2, 3, 4), shared_axes=(0,))
    with pytest.raises(TypeError, match="dropout_locations: shared_axes is chosen"):
        dropout_locations((2, 3, 4), shared_axes=(0,))
    with pytest.raises(ValueError, match=r"DropoutLayer: expected an input in which "
                                         r"shared_axes=\(-1,\) are axes \(1,\) \(as for "
                                         r"input_shape=\(None, 3\)\), got shape \(3,\)"):
        DropoutLayer((None, 3), shared_axes=(-1,)).get_output_for(np.ones(3))
    with pytest.raises(ValueError, match=r"shared_axes=\(2, 3\) are axes \(2, 3\) .*got "
                                         r"shape \(2, 3, 4\)"):
        dropout_channels((None, 3, 4, 4)).get_output_for(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="GaussianNoiseLayer: expected sigma >= 0"):
        GaussianNoiseLayer((2, 3), sigma=-1)
    with pytest.raises(AttributeError):
        DropoutLayer((2, 3)).rescale = False  # fixed at construction (the module's scale)


def test_mt19937_mode_gives_bigdls_numbers():
    """The facade runs bigdl_py's modules: in mt19937 mode, BigDL 2.4's reference
    vectors (SPEC §2) come out of the Lasagne layers too."""
    RNG.set_algorithm("mt19937")
    RNG.set_seed(1)
    x = np.arange(1, 9, dtype=np.float32).reshape(2, 4)
    layer = DropoutLayer(InputLayer((2, 4)), p=0.5)
    out = get_output(layer, x)
    np.testing.assert_array_equal(out, [[2, 0, 0, 0], [10, 12, 14, 0]])
    np.testing.assert_array_equal(get_gradients(layer, x, 0.5 * x).input,
                                  [[1, 0, 0, 0], [5, 6, 7, 0]])
    RNG.set_seed(9)
    out = get_output(GaussianNoiseLayer(InputLayer((2, 3)), sigma=0.2),
                     np.ones((2, 3), np.float32))
    np.testing.assert_allclose(out, [[1.190023, 1.0124038, 0.7648297],
                                     [0.99722993, 0.975397, 1.0006535]], rtol=1e-6)


def test_input_shape_is_a_declaration():
    """SPEC §6: a layer computes with any input it can; the mask sharing only needs the
    shared axes to be the same axes as for the declared shape."""
    x = np.ones((2, 3, 4, 5), np.float32)
    out = DropoutLayer((None, 3), p=0.5).get_output_for(x)
    assert out.shape == x.shape and set(np.unique(out)) <= {0.0, 2.0}
    out = dropout_channels((None, 3, 4), p=0.5).get_output_for(x)  # axes (2,) of a 4-D input
    assert (out == out[:, :, :1]).all()
    assert GaussianNoiseLayer((None, 3)).get_output_for(x).shape == x.shape
