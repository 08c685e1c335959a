import re

import numpy as np
import pytest
from gradcheck import check_module_grads

from bigdl_py import Tensor
from bigdl_py.nn import Identity, LogSoftMax, ReLU, Sequential, Sigmoid, SoftMax, Tanh


def _chain():
    return Sequential().add(Tanh()).add(ReLU()).add(Sigmoid()).add(LogSoftMax())


def test_add_returns_self_and_checks():
    s = Sequential()
    assert s.add(ReLU()) is s
    with pytest.raises(TypeError, match="Sequential.add: expected a bigdl_py Module, got int"):
        s.add(3)
    with pytest.raises(ValueError, match="Sequential.add: expected a module that does not "
                                         "contain this container"):
        s.add(s)
    outer = Sequential(s)
    with pytest.raises(ValueError, match="would make a cycle"):
        s.add(outer)
    assert len(s.modules) == 1
    with pytest.raises(TypeError, match="Sequential.add: expected a bigdl_py Module, got str"):
        Sequential("relu")


def test_forward_is_the_composition(dtype):
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(dtype)
    y = _chain().forward(x)
    expected = x
    for m in (Tanh(), ReLU(), Sigmoid(), LogSoftMax()):
        expected = m.forward(expected)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, expected)


def test_gradcheck_chain():
    x = np.random.default_rng(1).standard_normal((3, 4))
    x[np.abs(np.tanh(x)) < 1e-2] = 0.7
    check_module_grads(_chain(), x)
    check_module_grads(_chain().evaluate(), x)
    check_module_grads(Sequential(_chain(), Identity(), SoftMax()), x)


def test_backward_uses_each_childs_input():
    s = Sequential(Tanh(), Tanh())
    x = np.array([[0.3, -1.2]])
    s.forward(x)
    g = s.backward(x, np.ones((1, 2)))
    h = np.tanh(x)
    np.testing.assert_allclose(g, (1 - np.tanh(h) ** 2) * (1 - h ** 2))


def test_tensor_in_gives_own_reused_tensor():
    s = _chain()
    t1 = s.forward(Tensor(np.ones((2, 3), dtype=np.float32)))
    t2 = s.forward(Tensor(np.zeros((2, 3), dtype=np.float32)))
    assert isinstance(t1, Tensor) and t2 is t1
    g = s.backward(Tensor(np.zeros((2, 3), dtype=np.float32)),
                   Tensor(np.ones((2, 3), dtype=np.float32)))
    assert isinstance(g, Tensor) and g.shape == (2, 3)
    y = s.forward(np.ones((2, 3), dtype=np.float32))
    assert isinstance(y, np.ndarray) and not np.shares_memory(y, t1.numpy())


def test_mode_propagates():
    inner = Sequential(ReLU())
    s = Sequential(Tanh(), inner)
    assert s.is_training() and inner.modules[0].is_training()
    assert s.evaluate() is s
    assert not any(m.is_training() for m in (s, inner, inner.modules[0], s.modules[0]))
    assert s.training() is s
    assert all(m.is_training() for m in (s, inner, inner.modules[0], s.modules[0]))


def test_parameterless_parameters():
    s = _chain()
    assert s.parameters() == {} and s.get_weights() is None and s._param_pairs() == []
    assert s.zero_grad_parameters() is s and s.update_parameters(0.1) is s
    assert s.reset() is s


def test_str_block_form():
    a, b, c = ReLU().set_name("a"), Tanh().set_name("b"), SoftMax().set_name("c")
    s = Sequential(a, Sequential(b, Sequential(c).set_name("in2")).set_name("in1"))
    assert str(s.set_name("seq")) == (  # BigDL: no space before "{", nested bodies indented
        "Sequential[seq]{\n"
        "  [input -> (1) -> (2) -> output]\n"
        "  (1): ReLU[a](0.0, 0.0)\n"
        "  (2): Sequential[in1]{\n"
        "    [input -> (1) -> (2) -> output]\n"
        "    (1): Tanh[b]\n"
        "    (2): Sequential[in2]{\n"
        "      [input -> (1) -> output]\n"
        "      (1): SoftMax[c]\n"
        "    }\n"
        "  }\n"
        "}")
    empty = Sequential()
    assert str(empty) == f"Sequential[{empty._hex}]{{\n  [input ->  -> output]\n  \n}}"
    assert empty.name() == f"Sequential{empty._hex}"


def test_child_error_names_index_and_child():
    bad = SoftMax().set_name("sm")
    s = Sequential(Identity(), bad)
    with pytest.raises(ValueError, match=re.escape(
            "Sequential: module 2 (SoftMax[sm]) failed in forward: SoftMax: expected a 1D "
            "(C,) or 2D (N, C) input, got shape (2, 2, 2)")):
        s.forward(np.zeros((2, 2, 2)))
    s.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=re.escape(
            "Sequential: module 2 (SoftMax[sm]) failed in backward: SoftMax: expected "
            "grad_output of shape (2, 3), got (3, 2)")):
        s.backward(np.zeros((2, 3)), np.zeros((3, 2)))
    outer = Sequential(Sequential(Tanh(), bad).set_name("inner"))
    with pytest.raises(ValueError, match=re.escape(
            "Sequential: module 1 (Sequential[inner]) failed in forward: Sequential: module 2 "
            "(SoftMax[sm]) failed in forward: SoftMax")):
        outer.forward(np.zeros(4).reshape(1, 2, 2))
    with pytest.raises(TypeError, match=r"Sequential: expected a Tensor, ndarray or nested "
                                        r"list as input, got str"):
        Sequential(Tanh()).forward("text")


def test_training_backward_needs_forward_eval_does_not():
    x = np.array([[0.5, -0.5]])
    with pytest.raises(RuntimeError, match="Sequential: expected forward before backward"):
        _chain().backward(x, np.ones((1, 2)))
    s = _chain().evaluate()
    g = s.backward(x, np.ones((1, 2)))
    s2 = _chain().evaluate()
    s2.forward(x)
    np.testing.assert_array_equal(g, s2.backward(x, np.ones((1, 2))))


def test_empty_sequential_is_identity():
    x = np.arange(4.0)
    s = Sequential()
    y = s.forward(x)
    np.testing.assert_array_equal(y, x)
    assert not np.shares_memory(y, x)
    np.testing.assert_array_equal(s.backward(x, np.ones(4)), np.ones(4))


def test_clear_state():
    s = _chain()
    s.forward(np.ones((1, 3)))
    assert s.clear_state() is s
    assert s._inputs is None and s.output is None
    with pytest.raises(RuntimeError, match="Sequential: expected forward before backward"):
        s.backward(np.ones((1, 3)), np.ones((1, 3)))


class ModeRecorder(Identity):
    def update_output(self, input):
        self.seen = getattr(self, "seen", []) + [(self.is_training(), len(input))]
        return super().update_output(input)


def test_predict_and_predict_class():
    x = np.random.default_rng(4).standard_normal((10, 3)).astype(np.float32)
    rec = ModeRecorder()
    s = Sequential(rec, SoftMax())
    p = s.predict(x, batch_size=4)
    assert rec.seen == [(False, 4), (False, 4), (False, 2)] and s.is_training()
    np.testing.assert_array_equal(p, SoftMax().forward(x))
    cls = s.predict_class(x)
    assert cls.dtype == np.int64
    np.testing.assert_array_equal(cls, np.argmax(x, axis=1) + 1)
    assert s.evaluate().predict(x).shape == (10, 3) and not s.is_training()
    assert s.predict(x[:0]).shape == (0,) and s.predict_class(x[:0]).shape == (0,)
    with pytest.raises(ValueError, match=r"Sequential.predict: expected batch_size >= 1, got 0"):
        s.predict(x, 0)


# ---- with parameter layers ---------------------------------------------------------------
def _mlp(dtype="float32"):
    from bigdl_py.nn import Linear
    return Sequential(Linear(5, 4, dtype=dtype).set_name("fc1"), Tanh(),
                      Linear(4, 3, dtype=dtype).set_name("fc2"))


def test_parameters_are_the_leaves():
    s = Sequential(_mlp(), LogSoftMax())
    p = s.parameters()
    assert list(p) == ["fc1", "fc2"]
    assert set(p["fc1"]) == {"weight", "bias", "gradWeight", "gradBias"}
    fc1 = s.modules[0].modules[0]
    assert p["fc1"]["weight"] is fc1.weight
    w = s.get_weights()
    assert [a.shape for a in w] == [(4, 5), (4,), (3, 4), (3,)]
    assert [id(a) for a, _ in s._param_pairs()] == [id(a) for a in w]
    new = [np.full(a.shape, i, dtype=np.float64) for i, a in enumerate(w)]
    assert s.set_weights(new) is s
    assert [float(a.flat[0]) for a in s.get_weights()] == [0.0, 1.0, 2.0, 3.0]
    assert s.get_weights()[0].dtype == np.float32
    with pytest.raises(ValueError, match="Sequential: expected a list of 4 arrays, got a list of 2"):
        s.set_weights(new[:2])


def test_gradients_zero_update_and_scale():
    s = _mlp("float64")
    x = np.random.default_rng(5).standard_normal((2, 5))
    s.forward(x)
    s.backward(x, np.ones((2, 3)))
    grads = [g.copy() for _, g in s._param_pairs()]
    assert all(np.any(g != 0) for g in grads)
    before = [w.copy() for w in s.get_weights()]
    s.update_parameters(0.5)
    for w, b, g in zip(s.get_weights(), before, grads):
        np.testing.assert_allclose(w, b - 0.5 * g)
    s.zero_grad_parameters()
    assert all(not np.any(g) for _, g in s._param_pairs())
    s.set_scale_w(0.0).set_scale_b(0.0)
    s.forward(x)
    s.backward(x, np.ones((2, 3)))
    assert all(not np.any(g) for _, g in s._param_pairs())


def test_gradcheck_with_parameters():
    x = np.random.default_rng(6).standard_normal((3, 5))
    check_module_grads(Sequential(_mlp("float64"), LogSoftMax()), x)


def test_error_names_the_linear_child():
    from bigdl_py.nn import Linear
    s = Sequential(Linear(5, 5), Linear(4, 3).set_name("fc2"))
    with pytest.raises(ValueError, match=re.escape(
            "Sequential: module 2 (Linear[fc2](4 -> 3)) failed in forward: Linear: ")):
        s.forward(np.zeros((2, 5), dtype=np.float32))


def test_update_parameters_checks_once_and_honours_overrides():
    from bigdl_py.nn import Linear

    class Halved(Linear):
        def update_parameters(self, learning_rate):
            return super().update_parameters(learning_rate / 2)

    a, b = Linear(2, 2, dtype="float64"), Halved(2, 2, dtype="float64")
    s = Sequential(Sequential(a), Tanh(), b)
    for m in (a, b):
        m.grad_weight[...] = 1.0
    wa, wb = a.weight.copy(), b.weight.copy()
    s.update_parameters(0.5)
    np.testing.assert_array_equal(a.weight, wa - 0.5)
    np.testing.assert_array_equal(b.weight, wb - 0.25)
    with pytest.raises(ValueError, match="Sequential: expected learning_rate to be a finite number, got nan"):
        s.update_parameters(float("nan"))
    np.testing.assert_array_equal(a.weight, wa - 0.5)
