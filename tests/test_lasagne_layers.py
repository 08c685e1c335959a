"""bigdl_py.lasagne base, InputLayer and graph helpers: shapes with None, parameter tags,
get_all_layers order, get_output input forms, get_gradients' format and call order."""
import numpy as np
import pytest
from gradcheck import numeric_grad

from bigdl_py.lasagne import init, nonlinearities
from bigdl_py.lasagne.layers import (DenseLayer, DropoutLayer, GaussianNoiseLayer,
                                     InputLayer, Layer, count_params, get_all_layers,
                                     get_all_param_values, get_all_params, get_gradients,
                                     get_output, get_output_shape, set_all_param_values)
from bigdl_py.lasagne.utils import create_param


# ---- InputLayer and Layer -----------------------------------------------------------------
def test_input_layer_shapes():
    assert InputLayer((3, 2)).shape == (3, 2)
    assert InputLayer([3, 2]).output_shape == (3, 2)
    layer = InputLayer((None, 5), name="x")
    assert layer.output_shape == (None, 5) and layer.input_layer is None and layer.name == "x"
    assert get_all_params(layer) == []


def test_input_layer_errors():
    with pytest.raises(ValueError, match=r"non-positive shape dimension, got shape=\(3, 0\)"):
        InputLayer((3, 0))
    with pytest.raises(TypeError, match=r"expected shape of ints and None, got \(3, 2.5\)"):
        InputLayer((3, 2.5))
    with pytest.raises(TypeError, match="expected shape to be a tuple"):
        InputLayer(5)
    layer = InputLayer((None, 3), name="x")
    with pytest.raises(TypeError, match="InputLayer 'x': expected a real numeric array, got "
                                        "dtype <U1"):
        get_output(layer, np.array([["a", "b", "c"]]))


def test_input_layer_shape_is_a_declaration_not_a_check():
    """SPEC §6, as Lasagne: the shape serves shape inference; get_output takes any input
    the layers can compute with, and the layer that cannot names itself."""
    l_in = InputLayer((None, 3))
    x = np.arange(8.0).reshape(2, 4)
    assert get_output(l_in, x) is x and get_output(l_in, np.ones(3)).shape == (3,)
    noisy = GaussianNoiseLayer(DropoutLayer(l_in, p=0.5), sigma=0.1)
    assert get_output(noisy, np.ones((2, 5, 7)), deterministic=True).shape == (2, 5, 7)
    dense = DenseLayer(l_in, 5, name="fc")
    assert dense.W.get_value().shape == (3, 5)  # inferred from the declared shape
    assert get_output(dense, np.ones((2, 1, 3))).shape == (2, 5)  # trailing axes flattened
    with pytest.raises(ValueError, match=r"get_output: <DenseLayer 'fc' output_shape=\(None, "
                                         r"5\)> cannot compute with an input of shape \(2, 4\): "
                                         r"Linear: expected the trailing axes \(4,\)"):
        get_output(dense, x)


def test_layer_base():
    layer = Layer((None, 4), name="base")
    assert layer.input_shape == (None, 4) and layer.output_shape == (None, 4)
    assert layer.input_layer is None and layer.get_params() == []
    with pytest.raises(NotImplementedError, match="Layer.get_output_for"):
        layer.get_output_for(np.ones((1, 4)))
    with pytest.raises(TypeError, match="expected incoming to be a Layer or a shape tuple, got "
                                        "int"):
        Layer(4)
    with pytest.raises(TypeError, match="expected name to be a str or None"):
        Layer((2,), name=3)
    with pytest.raises(ValueError, match=r"non-positive input_shape dimension, got "
                                         r"input_shape=\(2, -1\)"):
        Layer((2, -1))
    assert "base" in repr(layer) and "(None, 4)" in repr(layer)


def test_add_param_tags_and_names():
    layer = Layer((2, 3), name="foo")
    w = layer.add_param(init.Constant(1.0), (3, 4), name="W")
    b = layer.add_param(np.zeros(4), (4,), name="b", regularizable=False)
    c = layer.add_param(0.5, (2,), name="c", trainable=False, special=True)
    assert (w.name, b.name, c.name) == ("foo.W", "foo.b", "foo.c")
    assert layer.params[w] == {"trainable", "regularizable"}
    assert layer.params[c] == {"regularizable", "special"}
    assert layer.get_params(special=True) == [c]
    assert layer.get_params(trainable=True, regularizable=True) == [w]
    assert layer.get_params(trainable=False, regularizable=True) == [c]
    assert layer.get_params(unwrap_shared=False) == [w, b, c]
    assert (c.get_value() == 0.5).all() and c.dtype == np.float32
    unnamed = Layer((2, 3)).add_param(np.ones(2), (2,), name="W")
    assert unnamed.name == "W"


def test_create_param_errors_and_param():
    with pytest.raises(ValueError, match=r"cannot create parameter 'W' with shape \(None, 3\)"):
        create_param(np.ones((2, 3)), (None, 3), "W")
    p = create_param(np.arange(6.0).reshape(2, 3), (2, 3), "W")
    assert p is create_param(p, (2, 3))  # a Param is adopted, not copied
    with pytest.raises(ValueError, match=r"the provided Param 'W' has shape \(2, 3\), should be"
                                         r" \(3, 2\)"):
        create_param(p, (3, 2))
    assert repr(p) == "Param(name='W', shape=(2, 3), dtype=float32)" and str(p) == "W"
    assert np.asarray(p).shape == (2, 3) and p.ndim == 2
    with pytest.raises(TypeError, match="value is not a number, array or callable, got "
                                        "NoneType"):
        create_param(lambda shape: None, (2,), "b")


# ---- get_all_layers / shapes / params ----------------------------------------------------
def test_get_all_layers_topological():
    from itertools import permutations
    l1 = InputLayer((10, 20))
    l2 = DenseLayer(l1, 30)
    l3 = DenseLayer(l2, 40)
    for count in (0, 1, 2, 3):
        for query in permutations([l1, l2, l3], count):
            expected = ([l1, l2, l3] if l3 in query else [l1, l2] if l2 in query
                        else [l1] if l1 in query else [])
            assert get_all_layers(list(query)) == expected
    assert get_all_layers(l3, treat_as_input=[l2]) == [l2, l3]
    l4 = DenseLayer(l1, 10)
    assert get_all_layers([l4, l3]) == [l1, l4, l2, l3]
    with pytest.raises(TypeError, match="expected a Layer or a list of Layers, got int"):
        get_all_layers(3)


def test_output_shapes_propagate_none():
    l_in = InputLayer((None, 10, 20, 30))
    l1 = DropoutLayer(l_in)
    l2 = DenseLayer(l1, 50, num_leading_axes=2)
    l3 = GaussianNoiseLayer(l2)
    assert l3.output_shape == (None, 10, 50)
    assert get_output_shape(l3) == (None, 10, 50)
    assert get_output_shape([l1, l3]) == [(None, 10, 20, 30), (None, 10, 50)]
    assert get_output_shape(l3, (7, 10, 20, 30)) == (7, 10, 50)
    assert get_output_shape(l3, {l2: (3, 4, 50)}) == (3, 4, 50)


def test_get_output_shape_multiple_inputs_error():
    a = DenseLayer(InputLayer((None, 2)), 3)
    b = DenseLayer(InputLayer((None, 4)), 3)
    with pytest.raises(ValueError, match="single input shape was given for a network with 2 "
                                         "InputLayers"):
        get_output_shape([a, b], (1, 2))


def test_get_all_params_tags_unique_and_values():
    l_in = InputLayer((None, 30))
    l1 = DenseLayer(l_in, 30)
    l2 = DenseLayer(l1, 30, W=l1.W, b=None)  # tied weights: one Param
    l3 = DenseLayer(l2, 5)
    assert get_all_params(l3) == [l1.W, l1.b, l3.W, l3.b]
    assert get_all_params(l3, regularizable=True) == [l1.W, l3.W]
    assert get_all_params(l3, trainable=True, regularizable=False) == [l1.b, l3.b]
    assert count_params(l3) == 30 * 30 + 30 + 30 * 5 + 5
    assert count_params(l3, regularizable=False) == 35
    values = get_all_param_values(l3)
    assert [v.shape for v in values] == [(30, 30), (30,), (30, 5), (5,)]
    set_all_param_values(l3, [np.full(v.shape, i) for i, v in enumerate(values)])
    assert (l1.b.get_value() == 1).all() and (l3.W.get_value() == 2).all()
    with pytest.raises(ValueError, match="expected 4 values, got 3"):
        set_all_param_values(l3, values[:3])
    with pytest.raises(ValueError, match=r"expected a value of shape \(5,\) for 'b', got \(4,\)"):
        set_all_param_values(l3, values[:3] + [np.zeros(4)])
    assert (l3.b.get_value() == 3).all()  # nothing written on error


def test_tied_weights_share_storage_and_sum_gradients():
    l_in = InputLayer((None, 6))
    l1 = DenseLayer(l_in, 6, nonlinearity=nonlinearities.tanh, dtype="float64")
    l2 = DenseLayer(l1, 6, W=l1.W, b=None, nonlinearity=nonlinearities.tanh, dtype="float64")
    l1.W.set_value(np.eye(6) * 0.5)
    assert (np.asarray(l2._module.weight) == np.eye(6) * 0.5).all()
    x = np.random.default_rng(0).standard_normal((3, 6))
    w = np.random.default_rng(1).standard_normal((3, 6))
    get_output(l2, x)
    grads = get_gradients(l2, x, w)
    value = l1.W.get_value()

    def loss():
        l1.W.set_value(value)
        return float(np.sum(get_output(l2, x) * w))
    np.testing.assert_allclose(grads.params[l1.W], numeric_grad(loss, value), rtol=1e-6,
                               atol=1e-8)
    with pytest.raises(ValueError, match="cannot share parameter 'W' of dtype float64 with a "
                                         "float32 layer"):
        DenseLayer(l1, 6, W=l1.W)


# ---- get_output ------------------------------------------------------------------------
def _net():
    l_in = InputLayer((None, 8))
    l1 = DenseLayer(l_in, 6, nonlinearity=nonlinearities.tanh, b=init.Normal(0.3),
                    dtype="float64", name="h")
    l2 = DropoutLayer(l1, p=0.4)
    l3 = DenseLayer(l2, 3, nonlinearity=nonlinearities.softmax, dtype="float64")
    return l_in, l1, l2, l3


def test_get_output_forms():
    l_in, l1, l2, l3 = _net()
    x = np.random.default_rng(2).standard_normal((5, 8))
    ref = nonlinearities.tanh(x @ l1.W.get_value() + l1.b.get_value())
    np.testing.assert_allclose(get_output(l1, x), ref, rtol=1e-12)
    np.testing.assert_allclose(get_output(l1, {l_in: x}), ref, rtol=1e-12)
    assert get_output(l_in, x) is x
    h = np.ones((5, 6))
    out = get_output(l3, {l2: h})  # an intermediate layer's output given
    np.testing.assert_allclose(out, nonlinearities.softmax(h @ l3.W.get_value()
                                                          + l3.b.get_value()), rtol=1e-12)
    # one call, one mask: both outputs come from the same dropout pass
    drop, final = get_output([l2, l3], x)
    np.testing.assert_allclose(final, get_output(l3, {l2: drop}), rtol=1e-12)
    assert get_output([l1], x)[0].shape == (5, 6)
    l_var = InputLayer((None, 8), input_var=x)
    np.testing.assert_allclose(get_output(DenseLayer(l_var, 2, W=l1.W.get_value()[:, :2]
                                                     .astype(np.float32))),
                               np.maximum(x @ l1.W.get_value()[:, :2], 0), rtol=1e-5)


def test_get_output_errors():
    l_in, l1, l2, l3 = _net()
    with pytest.raises(ValueError, match="get_output: no input given for <InputLayer"):
        get_output(l3)
    other = InputLayer((None, 8))
    with pytest.raises(ValueError, match="single input array was given for a network with 2 "
                                         "input layers"):
        get_output([l3, other], np.ones((2, 8)))
    with pytest.raises(TypeError, match="expected the inputs dict to map Layers to arrays, got "
                                        "a key of type str"):
        get_output(l3, {"x": np.ones((2, 8))})
    floating = DenseLayer(DropoutLayer((None, 4)), 2)
    with pytest.raises(ValueError, match="no input given for the free-floating layer "
                                         "<DropoutLayer"):
        get_output([floating, DenseLayer(InputLayer((1, 4)), 2)], np.ones((1, 4)))


# ---- get_gradients ------------------------------------------------------------------------
def test_get_gradients_matches_numeric_through_a_dropout_pass():
    """The backward of a training pass (dropout on) uses that pass's mask."""
    l_in, l1, l2, l3 = _net()
    x = np.random.default_rng(3).standard_normal((4, 8))
    w = np.random.default_rng(4).standard_normal((4, 3))
    out = get_output(l3, x)
    drop = l2._fwd[1]
    mask = drop != 0
    grads = get_gradients(l3, x, w)
    assert set(grads.params) == {l1.W, l1.b, l3.W, l3.b}
    assert list(grads.params) == get_all_params(l3)
    assert grads.input.shape == x.shape and grads.params[l1.W].shape == (8, 6)

    xv = x.copy()

    def frozen():  # the same network with the recorded mask as a constant
        h = nonlinearities.tanh(xv @ l1.W.get_value() + l1.b.get_value()) * mask / 0.6
        return nonlinearities.softmax(h @ l3.W.get_value() + l3.b.get_value())
    np.testing.assert_allclose(out, frozen(), rtol=1e-12)
    np.testing.assert_allclose(grads.input, numeric_grad(lambda: float(np.sum(frozen() * w)),
                                                         xv), rtol=1e-5, atol=1e-8)
    for p in get_all_params(l3):
        value = p.get_value()

        def loss():
            p.set_value(value)
            return float(np.sum(frozen() * w))
        np.testing.assert_allclose(grads.params[p], numeric_grad(loss, value), rtol=1e-5,
                                   atol=1e-8)
        p.set_value(value)


def test_get_gradients_input_forms():
    l_in, l1, l2, l3 = _net()
    x = np.random.default_rng(5).standard_normal((4, 8))
    get_output(l3, {l_in: x}, deterministic=True)
    g = get_gradients(l3, {l_in: x}, np.ones((4, 3)))
    assert isinstance(g.input, dict) and list(g.input) == [l_in]
    h = np.ones((4, 6))
    get_output(l3, {l1: h})
    g = get_gradients(l3, {l1: h}, np.ones((4, 3)))
    assert list(g.input) == [l1] and set(g.params) == {l3.W, l3.b}


def test_get_gradients_call_order_errors():
    l_in, l1, l2, l3 = _net()
    x = np.ones((2, 8))
    with pytest.raises(RuntimeError, match=r"expected get_output\(layer, inputs\) with these "
                                           "inputs first"):
        get_gradients(l3, x, np.ones((2, 3)))
    get_output(l3, x)
    with pytest.raises(RuntimeError, match="with these inputs first"):
        get_gradients(l3, x + 1, np.ones((2, 3)))
    get_output(l1, x + 1)  # part of the graph recomputed from other inputs: stale
    with pytest.raises(RuntimeError, match="with these inputs first"):
        get_gradients(l3, x, np.ones((2, 3)))
    get_output(l3, x)
    with pytest.raises(ValueError, match=r"DenseLayer: expected grad_output of shape \(2, 3\), "
                                         r"got \(2, 4\)"):
        get_gradients(l3, x, np.ones((2, 4)))
    with pytest.raises(TypeError, match="get_gradients: expected a Layer, got list"):
        get_gradients([l3], x, np.ones((2, 3)))


def test_get_gradients_needs_a_differentiable_nonlinearity():
    layer = DenseLayer(InputLayer((None, 3)), 2, nonlinearity=np.sin)
    x = np.ones((1, 3))
    np.testing.assert_allclose(get_output(layer, x),
                               np.sin(x @ layer.W.get_value()), rtol=1e-6)
    with pytest.raises(ValueError, match="has no backward"):
        get_gradients(layer, x, np.ones((1, 2)))


def test_training_loop_with_get_gradients():
    """get_gradients is enough to train a facade network (SGD on a small regression,
    dropout on during training): the evaluation loss falls by 10x."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((64, 5))
    y = np.tanh(x @ rng.standard_normal((5, 2)))
    l_in = InputLayer((None, 5))
    hidden = DenseLayer(l_in, 32, nonlinearity=nonlinearities.tanh, dtype="float64")
    net = DenseLayer(DropoutLayer(hidden, p=0.1), 2, nonlinearity=None, dtype="float64")

    def eval_loss():
        return float(np.mean((get_output(net, x, deterministic=True) - y) ** 2))
    start = eval_loss()
    for _ in range(300):
        out = get_output(net, x)
        grads = get_gradients(net, x, 2 * (out - y) / out.size)
        for p, g in grads.params.items():
            p.set_value(p.get_value() - 0.5 * g)
    assert eval_loss() < start / 10
