"""Reshape and View: BigDL's recorded shape rules (CNN.md §6), views, backward, -1
inference, str() and the error paths."""
import numpy as np
import pytest

import bigdl_py
from bigdl_py.nn import Reshape, View


@pytest.mark.parametrize("shape,batch_mode,want", [
    ((5, 24), None, (5, 2, 3, 4)),
    ((24,), None, (2, 3, 4)),
    ((1, 24), None, (1, 2, 3, 4)),       # a leading 1 counts as a batch
    ((5, 6, 4), None, (5, 2, 3, 4)),
    ((0, 24), None, (0, 2, 3, 4)),
    ((2, 4, 6), True, (2, 2, 3, 4)),
])
def test_reshape_recorded_shapes(shape, batch_mode, want):
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    m = Reshape([2, 3, 4], batch_mode)
    y = m.forward(x)
    assert y.shape == want and np.array_equal(y.ravel(), x.ravel())
    g = m.backward(x, y * 2)
    assert g.shape == shape and np.array_equal(g, 2 * x)


def test_reshape_batch_mode_flags_and_views():
    assert Reshape([4, 6], False).forward(np.zeros((2, 3, 4))).shape == (4, 6)
    assert Reshape([3, 2], True).forward(np.zeros((1, 6))).shape == (1, 3, 2)
    x = np.zeros((2, 6), np.float64)
    y = Reshape([3, 2]).forward(x)
    assert y.dtype == np.float64 and np.shares_memory(x, y)
    t = bigdl_py.Tensor(np.ones((3, 4), np.float32))
    out = Reshape([2, 2]).forward(t)
    assert isinstance(out, bigdl_py.Tensor) and out.shape == (3, 2, 2)
    assert Reshape([2]).forward([[1, 2]]).dtype == np.float32


@pytest.mark.parametrize("shape,sizes,dims,want", [
    ((4, 2, 3), [6], 0, (4, 6)),
    ((2, 3), [6], 0, (6,)),
    ((4, 2, 3), [6], 2, (4, 6)),
    ((2, 3), [6], 2, (6,)),
    ((4, 2, 3), [-1, 3], 0, (8, 3)),      # BigDL 2.4 fails on -1
    ((4, 2, 3), [-1, 3], 2, (4, 2, 3)),
    ((4, 2, 3), [3, -1], 1, (8, 3, 1)),
    ((5, 4), [2, 2], 1, (5, 2, 2)),
])
def test_view_recorded_shapes(shape, sizes, dims, want):
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    m = View(sizes, dims)
    y = m.forward(x)
    assert y.shape == want and np.array_equal(y.ravel(), x.ravel())
    assert m.backward(x, y).shape == shape


def test_str():
    assert str(Reshape([1, 28, 28]).set_name("reshape")) == "Reshape[reshape](1x28x28)"
    assert str(View([6]).set_name("v")) == "View[v](6)"
    v = View([-1, 3])
    assert str(v) == f"View[{v._hex}](-1x3)"


@pytest.mark.parametrize("make,err,msg", [
    (lambda: Reshape([2, 0]), ValueError, r"Reshape: expected size of ints > 0, got \[2, 0\]"),
    (lambda: Reshape([2, -1]), ValueError, "Reshape: expected size of ints > 0"),
    (lambda: Reshape("2x3"), TypeError, "Reshape: expected size to be a tuple of ints, got "
     "'2x3'"),
    (lambda: Reshape([2.0]), TypeError, "Reshape: expected size to be a tuple of ints"),
    (lambda: Reshape(True), TypeError, "Reshape: expected size to be a tuple of ints, got "
     "True"),
    (lambda: Reshape([2], batch_mode=1), TypeError, "Reshape: expected batch_mode"),
    (lambda: View([-1, -1]), ValueError, r"View: expected sizes of ints > 0 and at most one -1"),
    (lambda: View([-2, 3]), ValueError, r"View: expected sizes of .*got \[-2, 3\]"),
    (lambda: View([]), ValueError, r"View: expected sizes to be a non-empty tuple of ints, "
     r"got \(\)"),
    (lambda: View([2], num_input_dims=-1), ValueError, "View: expected num_input_dims >= 0, "
     "got -1"),
    (lambda: View([2], num_input_dims=1.0), TypeError, "View: expected num_input_dims to be "
     "an int, got 1.0"),
])
def test_constructor_errors(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


def test_input_errors():
    with pytest.raises(ValueError, match=r"Reshape: expected an input of 24 elements .* got 20"):
        Reshape([2, 3, 4], False).forward(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"Reshape: expected an input \(N, \.\.\.\) of N\*24"):
        Reshape([2, 3, 4]).forward(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="View: expected 3 trailing input axes of a multiple "
                                         "of 4 elements"):
        View([4]).forward(np.zeros((5, 3, 1)))
    with pytest.raises(ValueError, match="View: expected an input of at least num_input_dims=3"):
        View([4], 3).forward(np.zeros((2, 2)))
    m = Reshape([2, 3])
    m.forward(np.zeros((4, 6)))
    with pytest.raises(ValueError, match="Reshape: expected grad_output of shape"):
        m.backward(np.zeros((4, 6)), np.zeros((4, 3, 2)))
