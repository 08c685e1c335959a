"""bigdl_py.lasagne DenseLayer / NINLayer: the behaviours of Lasagne's test_dense.py
(initializer calls, tags, names, shapes, num_leading_axes rules and errors) plus values
against numpy and gradients through get_gradients."""
from unittest.mock import Mock

import numpy as np
import pytest
from gradcheck import numeric_grad

from bigdl_py import RNG
from bigdl_py.lasagne import init, nonlinearities
from bigdl_py.lasagne.layers import (DenseLayer, InputLayer, NINLayer, get_gradients,
                                     get_output)


def check_graph_grads(layer, x, seed=0):
    """get_gradients vs central differences of sum(get_output(layer, x) * w), w.r.t. the
    input and every parameter (float64 layers, deterministic graph)."""
    x = np.array(x, dtype=np.float64)
    out = get_output(layer, x, deterministic=True)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    grads = get_gradients(layer, x, w)

    def loss():
        return float(np.sum(get_output(layer, x, deterministic=True) * w))

    np.testing.assert_allclose(grads.input, numeric_grad(loss, x), rtol=1e-5, atol=1e-7)
    for p, g in grads.params.items():
        value = p.get_value()

        def loss_p():
            p.set_value(value)
            return loss()
        num = numeric_grad(loss_p, value)
        p.set_value(value)
        assert g.shape == p.shape
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)
    return grads


# ---- DenseLayer: Lasagne's test_dense.py ------------------------------------------------
@pytest.fixture
def dummy_input_layer():
    return InputLayer((2, 3, 4))


@pytest.fixture
def layer_vars(dummy_input_layer):
    W, b, nonlinearity = Mock(), Mock(), Mock()
    W.return_value = np.ones((12, 3))
    b.return_value = np.ones((3,)) * 3
    layer = DenseLayer(dummy_input_layer, num_units=3, W=W, b=b, nonlinearity=nonlinearity)
    return {"W": W, "b": b, "nonlinearity": nonlinearity, "layer": layer}


def test_init_calls_initializers_with_lasagne_shapes(layer_vars):
    layer = layer_vars["layer"]
    assert (layer.W.get_value() == layer_vars["W"].return_value).all()
    assert (layer.b.get_value() == layer_vars["b"].return_value).all()
    layer_vars["W"].assert_called_with((12, 3))
    layer_vars["b"].assert_called_with((3,))


def test_init_none_nonlinearity_bias(dummy_input_layer):
    layer = DenseLayer(dummy_input_layer, num_units=3, nonlinearity=None, b=None)
    assert layer.nonlinearity == nonlinearities.identity
    assert layer.b is None and layer.get_params() == [layer.W]


def test_get_params_tags(layer_vars):
    layer = layer_vars["layer"]
    assert layer.get_params() == [layer.W, layer.b]
    assert layer.get_params(regularizable=False) == [layer.b]
    assert layer.get_params(regularizable=True) == [layer.W]
    assert layer.get_params(trainable=True) == [layer.W, layer.b]
    assert layer.get_params(trainable=False) == []
    assert layer.get_params(_nonexistent_tag=True) == []
    assert layer.get_params(_nonexistent_tag=False) == [layer.W, layer.b]


def test_get_output_shape_for(layer_vars):
    assert layer_vars["layer"].get_output_shape_for((5, 6, 7)) == (5, 3)


@pytest.mark.parametrize("shape", [(2, 12), (2, 3, 4)])
def test_get_output_for_dot_plus_bias(layer_vars, shape):
    """The nonlinearity receives dot(flatten(x), W) + b; its result is the output."""
    layer, nonlinearity = layer_vars["layer"], layer_vars["nonlinearity"]
    x = np.ones(shape)
    assert layer.get_output_for(x) is nonlinearity.return_value
    arg = nonlinearity.call_args[0][0]
    np.testing.assert_array_equal(arg, np.ones((2, 12)) @ np.ones((12, 3)) + 3)


def test_param_names(layer_vars, dummy_input_layer):
    layer = layer_vars["layer"]
    assert layer.W.name == "W" and layer.b.name == "b"
    named = DenseLayer(dummy_input_layer, num_units=3, name="foo")
    assert named.W.name == "foo.W" and named.b.name == "foo.b"


# ---- num_leading_axes -------------------------------------------------------------------
SHAPE = (2, 3, 4, 5)


@pytest.mark.parametrize("nla", [-4, -3, -2, -1, 0, 1, 2, 3])
def test_num_leading_axes_W_shape_and_output_shape(nla):
    W = Mock(return_value=np.ones((int(np.prod(SHAPE[nla:])), 6)))
    layer = DenseLayer(SHAPE, 6, W=W, num_leading_axes=nla)
    W.assert_called_with((int(np.prod(SHAPE[nla:])), 6))
    assert layer.output_shape == SHAPE[:nla] + (6,)


@pytest.mark.parametrize("nla", [-4, -2, -1, 0, 1, 2, 3])
def test_num_leading_axes_values(nla, dtype):
    layer = DenseLayer(SHAPE, 6, nonlinearity=None, b=init.Normal(1.0), num_leading_axes=nla,
                       dtype=np.dtype(dtype).name)
    x = np.random.default_rng(1).standard_normal(SHAPE).astype(dtype)
    out = layer.get_output_for(x)
    k = nla if nla >= 0 else len(SHAPE) + nla
    ref = x.reshape(SHAPE[:k] + (-1,)).astype(np.float64) @ layer.W.get_value() \
        + layer.b.get_value()
    assert out.shape == SHAPE[:k] + (6,) and out.dtype == dtype
    np.testing.assert_allclose(out, ref, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("nla", [4, 5])
def test_num_leading_axes_leaving_no_trailing_axes(nla):
    with pytest.raises(ValueError, match=f"DenseLayer: got num_leading_axes={nla} for a "
                                         "4-dimensional input, leaving no trailing axes"):
        DenseLayer(SHAPE, 5, num_leading_axes=nla)


@pytest.mark.parametrize("nla", [-5, -7])
def test_num_leading_axes_too_many_trailing_axes(nla):
    with pytest.raises(ValueError, match=f"got num_leading_axes={nla} for a 4-dimensional "
                                         "input, requesting more trailing axes than there"):
        DenseLayer(SHAPE, 5, num_leading_axes=nla)


def test_variable_shapes():
    assert DenseLayer((None, 10), 20).output_shape == (None, 20)
    assert DenseLayer((10, None, 10), 20, num_leading_axes=2).output_shape == (10, None, 20)
    assert DenseLayer((None, None, 10), 20, num_leading_axes=-1).output_shape \
        == (None, None, 20)
    for shape, nla in [((10, None), 1), ((10, None, 10), 1), ((10, None, 10), -2),
                       ((None, 10), 0)]:
        with pytest.raises(ValueError, match=r"requires a fixed input shape \(except for the "
                                             r"leading axes\), got input_shape=.* for "
                                             f"num_leading_axes={nla}"):
            DenseLayer(shape, 20, num_leading_axes=nla)


def test_seed_examples_output_shapes():
    l_in = InputLayer((None, 10, 20, 30))
    assert DenseLayer(l_in, num_units=50).output_shape == (None, 50)
    assert DenseLayer(l_in, num_units=50, num_leading_axes=2).output_shape == (None, 10, 50)
    assert DenseLayer(l_in, num_units=50, num_leading_axes=-1).output_shape \
        == (None, 10, 20, 50)


def test_argument_errors():
    with pytest.raises(TypeError, match="DenseLayer: expected nonlinearity to be a "
                                        r"callable or None \(e.g. .*\), got 'relu'"):
        DenseLayer((2, 3), 4, nonlinearity="relu")
    with pytest.raises(ValueError, match="DenseLayer: expected num_units >= 1, got 0"):
        DenseLayer((2, 3), 0)
    with pytest.raises(TypeError, match="DenseLayer: expected num_units to be an int"):
        DenseLayer((2, 3), 2.5)
    with pytest.raises(TypeError, match="DenseLayer: expected num_leading_axes to be an int"):
        DenseLayer((2, 3), 2, num_leading_axes=None)
    with pytest.raises(ValueError, match="DenseLayer: expected dtype 'float32' or 'float64'"):
        DenseLayer((2, 3), 2, dtype="int8")
    with pytest.raises(ValueError, match=r"the provided array has shape \(3, 2\), should be "
                                         r"\(3, 4\)"):
        DenseLayer((2, 3), 4, W=np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"the callable's array has shape \(1,\)"):
        DenseLayer((2, 3), 4, b=lambda shape: np.ones(1))
    with pytest.raises(TypeError, match="is not a number, array or callable, got str"):
        DenseLayer((2, 3), 4, W="glorot")
    with pytest.raises(ValueError, match="non-positive input_shape dimension"):
        DenseLayer((2, 0), 4)


def test_default_init_and_dtype():
    RNG.set_seed(5)
    layer = DenseLayer((None, 20), 50)
    RNG.set_seed(5)
    ref = init.GlorotUniform().sample((20, 50))
    np.testing.assert_array_equal(layer.W.get_value(), ref)
    assert layer.W.dtype == np.float32 and (layer.b.get_value() == 0).all()
    assert DenseLayer((None, 20), 5, dtype="float64").W.dtype == np.float64
    assert DenseLayer((None, 20), 5, W=0.5).W.get_value().tolist() == [[0.5] * 5] * 20


def test_param_is_the_modules_storage():
    """One copy of the values: set_value changes what the Linear computes with."""
    layer = DenseLayer(InputLayer((None, 3)), 2, nonlinearity=None)
    layer.W.set_value(np.arange(6.0).reshape(3, 2))
    layer.b.set_value([10, 20])
    out = get_output(layer, np.array([[1.0, 1.0, 1.0]], np.float32))
    np.testing.assert_array_equal(out, [[16.0, 29.0]])
    np.testing.assert_array_equal(layer._module.weight, np.arange(6.0).reshape(3, 2).T)
    v = layer.W.get_value()
    v[...] = 0  # a copy
    assert layer.W.get_value()[2, 1] == 5
    with pytest.raises(ValueError, match=r"Param 'W': expected a value of shape \(3, 2\)"):
        layer.W.set_value(np.ones((2, 3)))


def test_rectify_default(dtype):
    layer = DenseLayer((None, 4), 3, W=np.eye(4)[:, :3] * -1.0, b=init.Constant(0.5),
                       dtype=np.dtype(dtype).name)
    out = get_output(layer, np.array([[1.0, 0.25, -2.0, 0.0]], dtype))
    np.testing.assert_array_equal(out, np.array([[0.0, 0.25, 2.5]], dtype))


@pytest.mark.parametrize("nla,shape", [(1, (3, 4)), (1, (3, 2, 2)), (2, (2, 3, 4)),
                                       (-1, (2, 3, 4)), (0, (2, 3))])
@pytest.mark.parametrize("nonlin", [nonlinearities.tanh, nonlinearities.sigmoid,
                                    nonlinearities.elu])
def test_dense_gradients(nla, shape, nonlin):
    layer = DenseLayer(shape, 3, nonlinearity=nonlin, b=init.Normal(0.5), num_leading_axes=nla,
                       dtype="float64")
    x = np.random.default_rng(2).standard_normal(shape)
    check_graph_grads(layer, x)


def test_dense_gradients_without_bias_and_softmax():
    layer = DenseLayer((4, 5), 3, b=None, nonlinearity=nonlinearities.softmax, dtype="float64")
    g = check_graph_grads(layer, np.random.default_rng(3).standard_normal((4, 5)))
    assert list(g.params) == [layer.W]


# ---- NINLayer -----------------------------------------------------------------------------
@pytest.fixture
def nin_input():
    return InputLayer((2, 3, 4, 5))


@pytest.fixture
def nin_vars(nin_input):
    W, b, nonlinearity = Mock(), Mock(), Mock()
    W.return_value = np.ones((3, 5))
    b.return_value = np.ones((5,))
    layer = NINLayer(nin_input, num_units=5, W=W, b=b, nonlinearity=nonlinearity)
    return {"W": W, "b": b, "nonlinearity": nonlinearity, "layer": layer}


def test_nin_init(nin_vars, nin_input):
    layer = nin_vars["layer"]
    assert (layer.W.get_value() == 1).all() and (layer.b.get_value() == 1).all()
    nin_vars["W"].assert_called_with((3, 5))
    nin_vars["b"].assert_called_with((5,))
    bare = NINLayer(nin_input, num_units=3, nonlinearity=None, b=None)
    assert bare.nonlinearity == nonlinearities.identity and bare.b is None
    assert NINLayer(nin_input, num_units=5, untie_biases=True).b.shape == (5, 4, 5)


def test_nin_params_names_shapes(nin_vars, nin_input):
    layer = nin_vars["layer"]
    assert layer.get_params() == [layer.W, layer.b]
    assert layer.get_params(regularizable=False) == [layer.b]
    assert layer.get_params(regularizable=True) == [layer.W]
    assert layer.get_params(trainable=False) == []
    assert layer.get_params(_nonexistent_tag=False) == [layer.W, layer.b]
    assert layer.W.name == "W" and layer.b.name == "b"
    named = NINLayer(nin_input, num_units=3, name="foo")
    assert named.W.name == "foo.W" and named.b.name == "foo.b"
    assert layer.get_output_shape_for((5, 6, 7, 8)) == (5, 5, 7, 8)
    assert NINLayer((None, 3, None), 4).output_shape == (None, 4, None)


@pytest.mark.parametrize("extra", [{}, {"untie_biases": True}, {"b": None}])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 3, 4), (2, 3), (2, 3, 2, 2, 3)])
def test_nin_get_output_for(extra, shape, dtype):
    nonlinearity = Mock()
    layer = NINLayer(shape, num_units=6, nonlinearity=nonlinearity,
                     b=extra.get("b", init.Normal(1.0)),
                     untie_biases=extra.get("untie_biases", False), dtype=np.dtype(dtype).name)
    x = np.random.default_rng(4).uniform(-1, 1, shape).astype(dtype)
    assert layer.get_output_for(x) is nonlinearity.return_value
    arg = nonlinearity.call_args[0][0]
    ref = np.einsum("cu,nc...->nu...", layer.W.get_value().astype(np.float64), x)
    if layer.b is not None:
        b = layer.b.get_value()
        ref = ref + (b if layer.untie_biases else b.reshape((6,) + (1,) * (len(shape) - 2)))
    assert arg.dtype == dtype
    np.testing.assert_allclose(arg, ref, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5 if dtype == np.float32 else 1e-12)


def test_nin_errors():
    with pytest.raises(ValueError, match=r"NINLayer: requires a fixed number of input channels"
                                         r" \(axis 1\), got input_shape=\(2, None, 4\)"):
        NINLayer((2, None, 4), 3)
    with pytest.raises(ValueError, match="untie_biases=True requires fixed sizes after axis 1"):
        NINLayer((2, 3, None), 3, untie_biases=True)
    assert NINLayer((2, 3, None), 3, untie_biases=True, b=None).b is None
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        NINLayer((5,), 3)
    with pytest.raises(TypeError, match="NINLayer: expected nonlinearity to be a callable or "
                                        "None .*, got 3"):
        NINLayer((2, 3), 3, nonlinearity=3)


@pytest.mark.parametrize("untie", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3, 2, 3)])
def test_nin_gradients(untie, shape):
    layer = NINLayer(shape, 4, untie_biases=untie, b=init.Normal(0.5),
                     nonlinearity=nonlinearities.tanh, dtype="float64")
    check_graph_grads(layer, np.random.default_rng(5).standard_normal(shape))


@pytest.mark.parametrize("W", [init.GlorotUniform(), init.Constant(0.0), 0.5])
def test_parameters_larger_than_memory_are_a_value_error(W):
    # checked before the initializer fills an array (no raw MemoryError)
    with pytest.raises(ValueError, match=r"DenseLayer: expected parameters that fit in memory, "
                                         r"got \d+ float32 values needing [\d.]+ TB"):
        DenseLayer(InputLayer((None, 10 ** 6)), 10 ** 7, W=W)
