"""CAdd and CMul: BigDL's init (mt19937 stream, row-major), broadcasting rules recorded on
BigDL (FRAMEWORK.md §3), gradient sums, regularizers, toString, torch as an oracle,
gradient checks and errors."""
import re

import numpy as np
import pytest
from gradcheck import check_module_grads

import bigdl_py
from bigdl_py import RNG, Tensor, _elementwise
from bigdl_py.nn import CAdd, CMul, Model
from bigdl_py.optim import L1Regularizer, L2Regularizer

CASES = [([1, 4], (3, 4)), ([3], (4, 3)), ([4, 1], (4, 3)), ([4, 3], (4, 3)),
         ([3], (2, 4, 3)), ([12], (4, 3)), ([2, 1, 3], (2, 5, 3)),  # krk: middle sums
         ([3, 1, 1], (2, 3, 4, 5)), ([1], (3, 2)),  # rkr, all summed
         ([1, 3, 1, 4], (2, 3, 5, 4))]  # alternating four times: the numpy fallback


def _mt_uniform(seed, n, size):
    """BigDL's rand: MT19937 32-bit words / 2**32, scaled to U(-1/sqrt(n), 1/sqrt(n))."""
    u = np.random.RandomState(seed)._bit_generator.random_raw(size) * 2.0 ** -32
    return u * (2 / np.sqrt(n)) - 1 / np.sqrt(n)


@pytest.mark.parametrize("cls", [CAdd, CMul])
def test_mt19937_init_is_bigdls_stream(cls, dtype):
    RNG.set_algorithm("mt19937")
    RNG.set_seed(5)
    m = cls([2, 3], dtype=np.dtype(dtype).name)
    p = m.get_weights()[0]
    assert p.shape == (2, 3) and p.dtype == dtype
    assert np.array_equal(p.ravel(), _mt_uniform(5, 6, 6).astype(dtype))


def test_parameters_and_str():
    a, c = CAdd([1, 3]).set_name("add"), CMul([3]).set_name("mul")
    assert str(a) == "CAdd[add]([1, 3])" and str(c) == "CMul[mul]([3])"
    assert set(a.parameters()["add"]) == {"bias", "gradBias"}
    assert set(c.parameters()["mul"]) == {"weight", "gradWeight"}
    assert len(a.get_weights()) == 1 and len(c.get_weights()) == 1
    bound = 1 / np.sqrt(3)
    assert np.all(np.abs(a.bias) <= bound) and np.all(np.abs(c.weight) <= bound)
    old = c.weight.copy()
    c.reset()
    assert not np.array_equal(old, c.weight)


@pytest.mark.parametrize("size, shape", CASES)
def test_forward_backward_broadcast(size, shape, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    name = np.dtype(dtype).name
    for cls, op in ((CAdd, torch.add), (CMul, torch.mul)):
        m = cls(size, dtype=name)
        p = m.get_weights()[0]
        view = p.reshape(shape) if p.size == x.size else p
        tx = torch.tensor(x, requires_grad=True)
        tp = torch.tensor(view.copy(), requires_grad=True)
        ty = op(tx, tp)
        ty.backward(torch.tensor(g))
        y = m.forward(x)
        assert y.dtype == dtype and y.shape == shape
        np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-6)
        m.zero_grad_parameters()
        gi = m.backward(x, g)
        np.testing.assert_allclose(gi, tx.grad.numpy(), rtol=1e-6)
        gp = m._param_pairs()[0][1]
        np.testing.assert_allclose(gp, tp.grad.numpy().reshape(p.shape), rtol=1e-5, atol=1e-6)
        m.backward(x, g)  # accumulates
        np.testing.assert_allclose(gp, 2 * tp.grad.numpy().reshape(p.shape), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("size, shape", CASES[:4] + CASES[6:])
def test_gradcheck(size, shape):
    x = np.random.default_rng(2).standard_normal(shape)
    check_module_grads(CAdd(size, dtype="float64"), x)
    check_module_grads(CMul(size, dtype="float64"), x)


@pytest.mark.parametrize("size, shape", [([1, 7], (700, 7)), ([5, 1, 1], (3, 5, 40, 30)),
                                         ([40, 1, 9], (40, 30, 9))])
def test_gradient_sums_are_thread_independent(size, shape, dtype):
    old = _elementwise._set_parallel_threshold(0)  # the OpenMP path on small arrays
    try:
        rng = np.random.default_rng(6)
        x, g = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
        grads = []
        for n in (1, 2):
            bigdl_py.set_num_threads(n)  # the fixture restores the default
            for cls in (CAdd, CMul):
                RNG.set_seed(1)
                m = cls(size, dtype=np.dtype(dtype).name)
                m.forward(x)
                m.backward(x, g)
                grads.append(m._param_pairs()[0][1].copy())
        for a, b in zip(grads[:2], grads[2:]):
            assert np.array_equal(a, b)  # bitwise
        view = (1,) * (len(shape) - len(size)) + tuple(size)
        axes = tuple(k for k, n in enumerate(view) if n == 1)
        ref = (x.astype(np.float64) * g).sum(axis=axes).reshape(size)
        np.testing.assert_allclose(grads[1], ref, rtol=1e-4 if dtype == np.float32 else 1e-10,
                                   atol=1e-4 if dtype == np.float32 else 1e-10)
    finally:
        _elementwise._set_parallel_threshold(old)


def test_kernel_errors():
    a = np.zeros(6, np.float32)
    with pytest.raises(ValueError, match=r"broadcast_acc: expected x and g of 2\*3\*2 values"):
        _elementwise.broadcast_acc(a, a, np.zeros(3, np.float32), 2, 3, 2, False, True, 1.0, 1)
    with pytest.raises(ValueError, match="broadcast_acc: expected out of 3 values, got 2"):
        _elementwise.broadcast_acc(a, a, np.zeros(2, np.float32), 2, 3, 1, False, True, 1.0, 1)


def test_scales_regularizers_and_freeze():
    x, g = np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)
    m = CMul([3], L2Regularizer(0.5)).set_weights([np.array([1.0, 2.0, 4.0])])
    m.forward(x)
    m.backward(x, g)
    np.testing.assert_allclose(m.grad_weight, [2.5, 3.0, 4.0])  # 2 + 0.5 * w
    a = CAdd([3], L1Regularizer(0.1)).set_weights([np.array([-1.0, 0.0, 1.0])])
    a.set_scale_b(0.5).forward(x)
    a.backward(x, g)
    np.testing.assert_allclose(a.grad_bias, [0.95, 1.0, 1.05])  # 0.5 * (2 + 0.1 sign(b))
    a.zero_grad_parameters().set_scale_b(0.0).backward(x, g)  # frozen: no gradient
    assert not a.grad_bias.any()


def test_tensor_input_and_persistence(tmp_path):
    m = CMul([1, 3], L2Regularizer(0.1), dtype="float64").set_name("mul")
    t = m.forward(Tensor(np.ones((2, 3), np.float32)))
    assert isinstance(t, Tensor) and t.numpy().dtype == np.float64
    m.save_model(tmp_path / "m")
    r = Model.load_model(tmp_path / "m")
    assert str(r) == "CMul[mul]([1, 3])" and np.array_equal(r.weight, m.weight)
    assert r.weight.dtype == np.float64 and r.regularizer.l2 == 0.1


def test_errors():
    with pytest.raises(ValueError, match=re.escape(
            "CAdd: expected an input of 3 values or one that size [3] expands to (its size-1 "
            "axes), got shape (4, 2)")):
        CAdd([3]).forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=re.escape("CMul: expected an input of 4 values or one "
                                                   "that size [4, 1] expands to")):
        CMul([4, 1]).forward(np.zeros((3, 3)))
    with pytest.raises(TypeError, match="CAdd: expected size to be a tuple of ints, got 3"):
        CAdd(3)
    with pytest.raises(ValueError, match=re.escape("CMul: expected size to be a non-empty "
                                                   "tuple of ints, got ()")):
        CMul([])
    with pytest.raises(ValueError, match=re.escape("CMul: expected size to be a tuple of ints "
                                                   ">= 1, got (0, 2)")):
        CMul([0, 2])
    with pytest.raises(TypeError, match="CAdd: expected bRegularizer to be a Regularizer or "
                                        "None, got str"):
        CAdd([2], "l2")
    with pytest.raises(ValueError, match="CAdd: expected dtype 'float32' or 'float64', got "
                                         "'int8'"):
        CAdd([2], dtype="int8")
    with pytest.raises(TypeError, match="CMul: expected wRegularizer to be a Regularizer or "
                                        "None, got float"):
        CMul([2], 0.1)
    m = CAdd([2])
    m.forward(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=re.escape("CAdd: expected grad_output of shape (3, 2), "
                                                   "got (2, 3)")):
        m.backward(np.zeros((3, 2)), np.zeros((2, 3)))


@pytest.mark.parametrize("cls", [CAdd, CMul])
def test_parameters_larger_than_memory_are_a_value_error(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: expected parameters that fit in "
                                         r"memory, got \d+ float32 values needing [\d.]+ TB"):
        cls([10 ** 6, 10 ** 7])
