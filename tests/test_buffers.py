"""Reused storage (SPEC §4): a Tensor call reuses the module's buffers, and a Sequential
called with a Tensor makes its children reuse theirs; ndarray calls give fresh arrays."""
import numpy as np
import pytest

from bigdl_py import Tensor
from bigdl_py.nn import Identity, Linear, LogSoftMax, ReLU, Reshape, Sequential, Tanh


def _model(dtype=np.float64):
    d = np.dtype(dtype).name
    return Sequential(Linear(4, 6, dtype=d), Tanh(), Reshape([2, 3]), Reshape([6]),
                      Linear(6, 3, dtype=d), LogSoftMax())


def _data(dtype=np.float64, n=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)).astype(dtype), rng.standard_normal((n, 3)).astype(dtype)


def _unguarded(model):
    model._guarded = False  # as the Optimizer's training loop runs it (no snapshots)
    return model


def _step(model, x, g):
    """(output, grad_input, parameter gradients) of one zeroed forward + backward, copied."""
    model.zero_grad_parameters()
    y = np.array(model.forward(x))
    gi = np.array(model.backward(x, g))
    return y, gi, [gw.copy() for _, gw in model._param_pairs()]


def _assert_same_step(a, b):
    for u, v in zip(a[:2] + tuple(a[2]), b[:2] + tuple(b[2])):
        np.testing.assert_array_equal(u, v)


def _twin(model):
    twin = _model(model.modules[0].weight.dtype)
    twin.set_weights(model.get_weights())
    return twin


@pytest.mark.parametrize("guarded", [True, False], ids=["guarded", "unguarded"])
def test_tensor_steps_reuse_child_buffers_and_match_fresh_arrays(dtype, guarded):
    model = _model(dtype) if guarded else _unguarded(_model(dtype))
    twin = _twin(model)
    for seed in range(3):
        x, g = _data(dtype, seed=seed)
        _assert_same_step(_step(model, Tensor(x), Tensor(g)), _step(twin, x, g))
    fc1, tanh = model.modules[0], model.modules[1]
    outs = []
    for _ in range(3):
        model.forward(Tensor(x))
        outs.append(fc1.output)
        model.backward(Tensor(x), Tensor(g))
    # guarded: two buffers in turn (a failed forward keeps the last one); unguarded: one
    assert outs[2] is outs[0] and (outs[1] is not outs[0]) == guarded
    assert model.forward(Tensor(x)).numpy() is model.modules[-1].output
    grads = []
    for _ in range(2):
        model.backward(Tensor(x), Tensor(g))
        grads.append(tanh.grad_input)
    assert grads[0] is grads[1]  # backward keeps one buffer per gradient


def test_ndarray_input_gives_fresh_arrays_throughout():
    model = _unguarded(_model())
    x, g = _data()
    y1 = model.forward(x)
    out1, gi1 = model.modules[0].output, model.backward(x, g)
    y2 = model.forward(x)
    assert model.modules[0].output is not out1 and y2 is not y1
    assert model.backward(x, g) is not gi1
    assert not np.shares_memory(y1, y2)


def test_shape_and_dtype_changes_reallocate():
    model = _unguarded(Sequential(Tanh(), Identity(), ReLU()))
    for shape, dt in [((2, 3), np.float32), ((2, 3), np.float32), ((4, 3), np.float32),
                      ((4, 3), np.float64), ((5,), np.float32)]:
        x = np.random.default_rng(len(shape)).standard_normal(shape).astype(dt)
        y = model.forward(Tensor(x)).numpy()
        assert y.dtype == dt and y.shape == shape
        np.testing.assert_array_equal(y, np.maximum(np.tanh(x), 0))
    first = model.modules[0].output
    model.forward(Tensor(np.zeros(5, np.float32)))
    assert model.modules[0].output is first  # same shape and dtype again: the same array


def test_in_place_child_writes_into_the_previous_childs_buffer():
    model = _unguarded(Sequential(Linear(4, 6, dtype="float64"), ReLU(ip=True),
                                  Linear(6, 3, dtype="float64")))
    twin = Sequential(Linear(4, 6, dtype="float64"), ReLU(), Linear(6, 3, dtype="float64"))
    twin.set_weights(model.get_weights())
    x, g = _data()
    for _ in range(2):
        _assert_same_step(_step(model, Tensor(x), Tensor(g)), _step(twin, x, g))
    assert model.modules[1].output is model.modules[0].output


@pytest.mark.parametrize("guarded", [True, False], ids=["guarded", "unguarded"])
def test_a_module_used_twice_gets_fresh_arrays_on_its_second_call(guarded):
    lin, tanh = Linear(4, 4, dtype="float64"), Tanh()
    model = Sequential(lin, tanh, lin, tanh, Sequential(lin))
    if not guarded:
        _unguarded(model)
        _unguarded(model.modules[-1])
    twin_lin = Linear(4, 4, dtype="float64", init_weight=lin.weight, init_bias=lin.bias)
    twin = Sequential(twin_lin, Tanh(), twin_lin, Tanh(), Sequential(twin_lin))
    x, g = np.random.default_rng(1).standard_normal((2, 4)), np.ones((2, 4))
    for _ in range(2):
        _assert_same_step(_step(model, Tensor(x), Tensor(g)), _step(twin, x, g))
    assert not np.shares_memory(model._inputs[1], model._inputs[3])


def test_failed_guarded_tensor_forward_keeps_the_last_forward_backpropagatable(dtype):
    class Boom(Identity):
        fail = False

        def update_output(self, input):
            if self.fail:
                raise ValueError("Boom: expected fail=False, got True")
            return super().update_output(input)

    boom = Boom()
    model = Sequential(Linear(4, 6, dtype=np.dtype(dtype).name), Tanh(), boom)
    twin = Sequential(Linear(4, 6, dtype=np.dtype(dtype).name), Tanh(), Identity())
    twin.set_weights(model.get_weights())
    x, _ = _data(dtype)
    g = np.ones((5, 6), dtype)
    model.forward(Tensor(x))
    boom.fail = True
    with pytest.raises(ValueError, match=r"Sequential: module 3 \(Boom\[.*\]\) failed in "
                                         r"forward: Boom: expected fail=False, got True"):
        model.forward(Tensor(-3 * x))  # same shapes: children 1-2 reuse their buffers
    boom.fail = False
    model.zero_grad_parameters()
    gi = np.array(model.backward(Tensor(x), Tensor(g)))
    twin.forward(x)
    np.testing.assert_array_equal(gi, twin.backward(x, g))
    for (_, a), (_, b) in zip(model._param_pairs(), twin._param_pairs()):
        np.testing.assert_array_equal(a, b)


def test_phase_methods_called_alone_give_fresh_arrays():
    model = _unguarded(_model())
    x, g = _data()
    model.forward(Tensor(x))
    y = model.update_output(x)  # after a Tensor forward: the children must not reuse
    model.forward(Tensor(2 * x))
    np.testing.assert_array_equal(y, _twin(model).forward(x))
    model.backward(Tensor(x), Tensor(g))
    gi = model.update_grad_input(x, g)
    expected = gi.copy()
    model.forward(Tensor(x))
    model.backward(Tensor(x), Tensor(2 * g))
    np.testing.assert_array_equal(gi, expected)


def test_a_child_overriding_forward_is_still_called():
    class Doubled(Identity):
        def forward(self, input):
            return 2 * np.asarray(super().forward(input))

    model = Sequential(Tanh(), Doubled(), Tanh())
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    expected = np.tanh(2 * np.tanh(x))
    np.testing.assert_allclose(model.forward(Tensor(x)).numpy(), expected)
    np.testing.assert_allclose(model.forward(x), expected)
