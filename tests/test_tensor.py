"""bigdl_py.Tensor: BigDL's Scala Tensor API (SPEC §3) against numpy oracles."""
import math

import numpy as np
import pytest

import bigdl_py
from bigdl_py import RNG, Double, Float, T, Tensor
from bigdl_py import _tensor_ops

F32 = "[bigdl_py.Tensor[float32] of size {}]"
BIG = 140_000  # above the kernels' serial thresholds (2**17 for _tensor_ops): OpenMP runs


def ar(*shape, dtype=np.float32, start=1):
    n = math.prod(shape)
    return np.arange(start, start + n, dtype=dtype).reshape(shape)


def rnd(seed, *shape, dtype=np.float32):
    return np.random.default_rng(seed).uniform(-2, 2, shape).astype(dtype)


def shares(t, arr):
    return np.shares_memory(t.numpy(), arr.numpy() if isinstance(arr, Tensor) else arr)


# ---- construction ----------------------------------------------------------------------

def test_sizes_give_float32_zeros():
    t = Tensor(2, 4)
    assert t.shape == (2, 4) and t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.zeros((2, 4)))


@pytest.mark.parametrize("make", [
    lambda: Tensor(3, 4, 5, dtype="float64"), lambda: Tensor(3, 4, 5, dtype=np.float64),
    lambda: Tensor[Double](3, 4, 5), lambda: Tensor[np.float64](3, 4, 5),
    lambda: Tensor(3, 4, 5, dtype=Double)])
def test_float64_construction(make):
    t = make()
    assert t.dtype == np.float64 and t.size() == (3, 4, 5)
    assert not t.numpy().any()


def test_typed_tensor_float_and_repr():
    assert Tensor[Float](2).dtype == np.float32
    assert repr(Tensor[Double]) == "Tensor[Double]" and repr(Float) == "Float"
    assert Tensor[Double].range(1, 3).numpy().dtype == np.float64


def test_table_literal_is_float32():
    t = Tensor(T(T(1.0, 2.0), T(3.0, 4.0)))
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [3, 4]])
    assert Tensor(T(T(1.0, 2.0)), dtype="float64").dtype == np.float64


@pytest.mark.parametrize("src_dtype, expected", [
    (np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float32),
    (np.bool_, np.float32), (np.uint8, np.float32)])
def test_from_array_copies_and_keeps_float_dtypes(src_dtype, expected):
    src = np.arange(6).reshape(2, 3).astype(src_dtype)
    t = Tensor(src)
    assert t.dtype == expected and t.is_contiguous()
    np.testing.assert_array_equal(t.numpy(), src.astype(expected))
    assert not np.shares_memory(t.numpy(), src)


def test_from_non_contiguous_array_and_tensor_copy():
    src = ar(3, 4, dtype=np.float64)
    t = Tensor(src.T)
    assert t.is_contiguous() and t.dtype == np.float64
    np.testing.assert_array_equal(t.numpy(), src.T)
    u = Tensor(t)
    assert not shares(u, t)
    np.testing.assert_array_equal(u.numpy(), src.T)
    assert Tensor(src, dtype=Float).dtype == np.float32


def test_empty_and_zero_size_tensors():
    for t, shape in ((Tensor(), (0,)), (Tensor(0), (0,)), (Tensor(0, 3), (0, 3)),
                     (Tensor([]), (0,))):
        assert t.shape == shape and t.n_element() == 0
        assert str(t) == "Empty Tensor\n" + F32.format("x".join(map(str, shape)))


@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((-1,), {}, ValueError, r"Tensor: expected non-negative sizes, got \(-1,\)"),
    ((2, 2.0), {}, TypeError, "Tensor: expected int sizes"),
    ((True,), {}, TypeError, "Tensor: expected int sizes, or an array"),
    ((2.5,), {}, TypeError, "Tensor: expected int sizes, or an array or nested list"),
    (("ab",), {}, TypeError, "Tensor: expected int sizes, or an array"),
    ((np.array(["a"]),), {}, TypeError, "Tensor: expected numbers, got an array of dtype <U1"),
    (([[1, 2], [3]],), {}, ValueError, "Tensor: expected a rectangular nested list"),
    ((2,), {"dtype": "int32"}, ValueError, "Tensor: expected dtype 'float32' or 'float64', got "
     "'int32'"),
])
def test_constructor_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Tensor(*args, **kwargs)


def test_typed_tensor_error():
    with pytest.raises(ValueError, match=r"Tensor\[...\]: expected dtype 'float32' or 'float64'"):
        Tensor[int]


def test_from_numpy_shares_both_ways(dtype):
    a = np.zeros((2, 3), dtype)
    t = Tensor.from_numpy(a)
    assert t.numpy() is a and np.asarray(t) is a
    t.set_value(1, 2, 5.0)
    assert a[0, 1] == 5
    a[1, 2] = 7
    assert t.value_at(2, 3) == 7
    assert np.asarray(t, dtype=np.float16).dtype == np.float16
    assert not np.shares_memory(np.array(t), a)


@pytest.mark.parametrize("bad", [np.zeros(3, np.int32), [1.0, 2.0], np.zeros(2, ">f4")])
def test_from_numpy_rejects(bad):
    with pytest.raises(TypeError, match="Tensor.from_numpy: expected a float32 or float64 ndarray"):
        Tensor.from_numpy(bad)


# ---- range and BigDL printouts ---------------------------------------------------------------

def test_range_is_inclusive_and_prints_like_bigdl():
    t = Tensor.range(1, 8, 1)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.arange(1, 9))
    assert str(t.resize(2, 4)) == ("1.0\t2.0\t3.0\t4.0\t\n5.0\t6.0\t7.0\t8.0\t\n"
                                   + F32.format("2x4"))


def test_3d_printout():
    t = Tensor.range(0, 11, 1).resize(2, 2, 3)
    assert str(t) == ("(1,.,.) =\n0.0\t1.0\t2.0\t\n3.0\t4.0\t5.0\t\n\n"
                      "(2,.,.) =\n6.0\t7.0\t8.0\t\n9.0\t10.0\t11.0\t\n\n" + F32.format("2x2x3"))
    assert repr(t) == str(t)


def test_float32_java_number_printout():
    vals = [0.1, 1e-4, 0.001, 1e7, 9999999.0, 123456.78, -0.0, 1 / 3, np.nan, np.inf]
    t = Tensor(np.array(vals, dtype=np.float32))
    assert str(t) == ("0.1\n1.0E-4\n0.001\n1.0E7\n9999999.0\n123456.78\n-0.0\n0.33333334\n"
                      "NaN\nInfinity\n" + F32.format("10"))


@pytest.mark.parametrize("args, expected", [
    ((0, 1, 0.25), [0, 0.25, 0.5, 0.75, 1]),
    ((1, 1), [1.0]),
    ((1, 2.5), [1.0, 2.0]),           # floor((2.5 - 1) / 1) + 1 = 2
    ((-1, 1, 0.5), [-1, -0.5, 0, 0.5, 1]),
    ((0, 0.3, 0.1), [0.0, 0.1, 0.2]),  # 0.3 / 0.1 = 2.999...: BigDL's floor formula
])
def test_range_float_steps(args, expected):
    t = Tensor.range(*args, dtype="float64")
    np.testing.assert_allclose(t.numpy(), expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("args, exc, match", [
    ((2, 1), ValueError, "Tensor.range: expected xmin <= xmax and step > 0, got xmin=2, xmax=1"),
    ((1, 2, 0), ValueError, "Tensor.range: expected xmin <= xmax and step > 0"),
    ((1, 2, -1), ValueError, "step=-1"),
    ((1, float("nan")), ValueError, "Tensor.range: expected xmax to be a finite number, got nan"),
    ((1, "2"), TypeError, "Tensor.range: expected xmax to be a number, got '2'"),
])
def test_range_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        Tensor.range(*args)


# ---- sizes --------------------------------------------------------------------------------

def test_sizes(dtype):
    t = Tensor.from_numpy(ar(2, 3, 4, dtype=dtype))
    assert t.size() == (2, 3, 4) and isinstance(t.size(), tuple)
    assert [t.size(d) for d in (1, 2, 3)] == [2, 3, 4]
    assert t.dim() == 3 and t.n_element() == 24 and t.is_contiguous()
    assert not t.transpose(1, 3).is_contiguous()
    assert len(t) == 2 and t.shape == (2, 3, 4) and t.dtype == dtype
    one = Tensor(1)
    assert one.size() == (1,) and one.n_element() == 1 and one.dim() == 1


def test_size_errors():
    t = Tensor(2, 3)
    with pytest.raises(ValueError, match=r"Tensor.size: expected dim in \[1, 2\], got 3"):
        t.size(3)
    with pytest.raises(ValueError, match=r"Tensor.size: expected dim in \[1, 2\], got 0"):
        t.size(0)
    with pytest.raises(TypeError, match="Tensor.size: expected an int dim, got 1.0"):
        t.size(1.0)


# ---- resize -------------------------------------------------------------------------------

def test_resize_same_count_reinterprets_storage(dtype):
    t = Tensor.range(1, 8, 1, dtype=dtype)
    old = t.numpy()
    assert t.resize(2, 4) is t
    assert shares(t, old)
    np.testing.assert_array_equal(t.numpy(), ar(2, 4))
    assert t.resize(2, 4).numpy() is t.numpy()  # same size: nothing happens


def test_resize_shrink_then_grow_keeps_storage_like_bigdl(dtype):
    t = Tensor.range(1, 6, 1, dtype=dtype)
    base = t.numpy()
    np.testing.assert_array_equal(t.resize(2, 2).numpy(), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(t.resize(5).numpy(), [1, 2, 3, 4, 5])
    assert shares(t, base)


def test_resize_grow_pads_with_zeros(dtype):
    t = Tensor.range(1, 4, 1, dtype=dtype)
    np.testing.assert_array_equal(t.resize((2, 3)).numpy(), [[1, 2, 3], [4, 0, 0]])
    assert t.dtype == dtype and t.is_contiguous()
    e = Tensor(dtype=dtype).resize(2, 3)
    np.testing.assert_array_equal(e.numpy(), np.zeros((2, 3)))


def test_resize_from_numpy_replaces_the_backing_array_when_growing():
    x = np.arange(4, dtype=np.float32)
    t = Tensor.from_numpy(x)
    t.resize(2, 3)
    np.testing.assert_array_equal(t.numpy(), [[0, 1, 2], [3, 0, 0]])
    assert not shares(t, x)
    np.testing.assert_array_equal(x, np.arange(4))
    u = Tensor.from_numpy(x).resize(2)
    assert shares(u, x)
    np.testing.assert_array_equal(u.numpy(), [0, 1])


def test_resize_non_contiguous():
    x = ar(2, 3)
    t = Tensor.from_numpy(x).t()
    assert t.resize(3, 2).numpy().strides == x.T.strides  # same size: still the view
    t.resize(6)  # BigDL reinterprets the storage from the first element
    np.testing.assert_array_equal(t.numpy(), np.arange(1, 7))
    assert shares(t, x)
    r = Tensor.from_numpy(np.arange(4, dtype=np.float32)[::-1])
    r.resize(2, 3)  # no storage to reinterpret: row-major elements, then zeros
    np.testing.assert_array_equal(r.numpy(), [[3, 2, 1], [0, 0, 0]])


def test_resize_as_and_errors():
    t = Tensor(3)
    assert t.resize_as(Tensor(2, 2)).size() == (2, 2)
    assert t.resize_as(np.zeros((1, 4))).size() == (1, 4)
    with pytest.raises(ValueError,
                       match=r"Tensor.resize: expected non-negative sizes, got \(2, -1\)"):
        t.resize(2, -1)
    with pytest.raises(TypeError, match="Tensor.resize: expected int sizes"):
        t.resize(2.0)
    with pytest.raises(TypeError, match="Tensor.resize_as: expected a Tensor, got str"):
        t.resize_as("x")
    assert t.size() == (1, 4)
    assert t.resize(0).n_element() == 0


# ---- views share storage; clone and copy ------------------------------------------------------

def test_view(dtype):
    t = Tensor.from_numpy(ar(2, 6, dtype=dtype))
    v = t.view(3, 4)
    assert shares(v, t) and v.size() == (3, 4)
    np.testing.assert_array_equal(v.numpy(), ar(3, 4))
    v.set_value(1, 1, -1.0)
    assert t.value_at(1, 1) == -1
    assert t.view((12,)).size() == (12,)
    assert Tensor(1).view(1, 1, 1).size() == (1, 1, 1)


def test_view_errors():
    t = Tensor(2, 6)
    with pytest.raises(ValueError, match="Tensor.view: expected a contiguous tensor"):
        t.t().view(12)
    with pytest.raises(ValueError, match=r"Tensor.view: expected sizes with 12 elements, got 5x2"):
        t.view(5, 2)


def test_clone_copies_into_contiguous_storage(dtype):
    t = Tensor.from_numpy(ar(3, 4, dtype=dtype)).t()
    c = t.clone()
    assert not shares(c, t) and c.is_contiguous() and c.dtype == dtype
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    c.fill(0)
    assert t.value_at(1, 1) == 1


def test_copy_pairs_elements_in_row_major_order(dtype):
    dst = Tensor(2, 3, dtype=dtype)
    src = Tensor.from_numpy(ar(3, 2, dtype=dtype))
    assert dst.copy(src) is dst
    np.testing.assert_array_equal(dst.numpy(), ar(2, 3))
    dst.copy(src.t())  # a non-contiguous source is read in its own row-major order
    np.testing.assert_array_equal(dst.numpy(), ar(3, 2).T)
    dst.t().copy(Tensor.from_numpy(ar(6, dtype=dtype)))  # non-contiguous destination
    np.testing.assert_array_equal(dst.numpy(), ar(3, 2).T)
    dst.copy(np.zeros(6, dtype))
    assert not dst.numpy().any()


def test_copy_errors():
    t = Tensor.range(1, 6, 1)
    with pytest.raises(ValueError, match="Tensor.copy: expected a source with 6 elements, got 5"):
        t.copy(Tensor(5))
    with pytest.raises(TypeError,
                       match="Tensor.copy: expected a float32 source like self, got float64"):
        t.copy(Tensor(6, dtype="float64"))
    with pytest.raises(TypeError, match="Tensor.copy: expected a Tensor as source, got list"):
        t.copy([1.0] * 6)
    np.testing.assert_array_equal(t.numpy(), np.arange(1, 7))


def test_select_narrow_transpose_t_share_storage(dtype):
    x = ar(2, 3, 4, dtype=dtype)
    t = Tensor.from_numpy(x)
    cases = [(t.select(1, 2), x[1]), (t.select(3, 4), x[:, :, 3]), (t.narrow(2, 2, 2), x[:, 1:3]),
             (t.narrow(3, 1, 4), x), (t.transpose(1, 3), x.transpose(2, 1, 0)),
             (t.select(1, 1).t(), x[0].T), (t.transpose(2, 2), x)]
    for view, expected in cases:
        assert shares(view, x)
        np.testing.assert_array_equal(view.numpy(), expected)
    t.select(2, 3).narrow(2, 2, 1).fill(-5.0)
    assert (x[:, 2, 1] == -5).all() and (x == -5).sum() == 2


def test_select_of_1d_is_0d_and_shares():
    t = Tensor.range(1, 3, 1)
    s = t.select(1, 2)
    assert s.dim() == 0 and s.value_at() == 2.0 and shares(s, t)
    assert str(s) == "Scalar(2.0)\n" + F32.format("")
    s.set_value(9.0)
    assert t.value_at(2) == 9


@pytest.mark.parametrize("call, exc, match", [
    (lambda t: t.select(4, 1), ValueError, r"Tensor.select: expected dim in \[1, 3\], got 4"),
    (lambda t: t.select(1, 3), IndexError, r"Tensor.select: expected index in \[1, 2\], got 3"),
    (lambda t: t.select(1, 0), IndexError, r"Tensor.select: expected index in \[1, 2\], got 0"),
    (lambda t: t.select(1, 1.0), TypeError, "Tensor.select: expected an int index"),
    (lambda t: t.narrow(0, 1, 1), ValueError, r"Tensor.narrow: expected dim in \[1, 3\], got 0"),
    (lambda t: t.narrow(2, 4, 1), IndexError, r"Tensor.narrow: expected index in \[1, 3\], got 4"),
    (lambda t: t.narrow(2, 2, 3), ValueError,
     r"Tensor.narrow: expected size in \[1, 2\] from index 2"),
    (lambda t: t.narrow(2, 2, 0), ValueError, r"Tensor.narrow: expected size in \[1, 2\]"),
    (lambda t: t.transpose(1, 5), ValueError, r"Tensor.transpose: expected d2 in \[1, 3\], got 5"),
    (lambda t: t.t(), ValueError, "Tensor.t: expected a 2-D tensor, got 3-D"),
    (lambda t: t.select(1, 1).select(1, 1).select(1, 1).select(1, 1), ValueError,
     "Tensor.select: expected a tensor with at least 1 dimension, got a 0-d tensor"),
])
def test_view_errors_name_the_method(call, exc, match):
    with pytest.raises(exc, match=match):
        call(Tensor(2, 3, 4))


# ---- element access ------------------------------------------------------------------------

def test_value_at_and_set_value_are_one_based(dtype):
    x = ar(2, 3, 4, dtype=dtype)
    t = Tensor.from_numpy(x)
    assert t.value_at(1, 1, 1) == 1 and t.value_at(2, 3, 4) == 24
    assert t.value_at(1, 2, 3) == x[0, 1, 2]
    assert isinstance(t.value_at(1, 1, 1), float)
    assert t.set_value(2, 1, 3, -2.5) is t
    assert x[1, 0, 2] == -2.5
    assert Tensor.from_numpy(np.array(4.0, dtype)).value_at() == 4.0


@pytest.mark.parametrize("call, exc, match", [
    (lambda t: t.value_at(1), ValueError,
     "Tensor.value_at: expected 2 indices for a 2-D tensor, got 1"),
    (lambda t: t.value_at(1, 5), IndexError,
     r"Tensor.value_at: expected index 2 in \[1, 4\], got 5"),
    (lambda t: t.value_at(0, 1), IndexError,
     r"Tensor.value_at: expected index 1 in \[1, 3\], got 0"),
    (lambda t: t.value_at(-1, 1), IndexError, r"expected index 1 in \[1, 3\], got -1"),
    (lambda t: t.set_value(1, 1, 1, 2.0), ValueError, "Tensor.set_value: expected 2 indices"),
    (lambda t: t.set_value(4, 1, 2.0), IndexError,
     r"Tensor.set_value: expected index 1 in \[1, 3\]"),
    (lambda t: t.set_value(1, 1, "x"), TypeError,
     "Tensor.set_value: expected value to be a number"),
    (lambda t: t.set_value(), ValueError, "Tensor.set_value: expected indices then a value"),
])
def test_element_access_errors(call, exc, match):
    t = Tensor(3, 4)
    with pytest.raises(exc, match=match):
        call(t)
    assert not t.numpy().any()


def test_python_protocol_is_numpy_zero_based(dtype):
    x = ar(3, 4, dtype=dtype)
    t = Tensor.from_numpy(x)
    row = t[1]
    assert isinstance(row, Tensor) and shares(row, x)
    np.testing.assert_array_equal(row.numpy(), x[1])
    assert t[2, 3] == x[2, 3] == 12
    t[0] = 0.0
    t[1, 1] = Tensor(np.array(7.0, dtype))
    assert not x[0].any() and x[1, 1] == 7
    assert [r.size() for r in t] == [(4,)] * 3


def test_eq_is_identity():
    a, b = Tensor(2), Tensor(2)
    assert a == a and a != b and not (a == b)
    assert a.almost_equal(b, 1e-9)


# ---- element-wise arithmetic (the _core kernels) ----------------------------------------------

@pytest.mark.parametrize("n", [1, 7, BIG])
def test_mul_div_add_scalar_match_numpy_bitwise(dtype, threads, n):
    x = rnd(n, n, dtype=dtype)
    t = Tensor(x)
    assert t.mul(1.7) is t
    np.testing.assert_array_equal(t.numpy(), x * dtype(1.7))
    t = Tensor(x)
    assert t.div(3.0) is t
    np.testing.assert_array_equal(t.numpy(), x * (dtype(1) / dtype(3.0)))  # BigDL: * (1/v)
    t = Tensor(x)
    assert t.add(-0.3) is t
    np.testing.assert_array_equal(t.numpy(), x + dtype(-0.3))


@pytest.mark.parametrize("n", [1, 7, BIG])
def test_add_tensor_and_cmul_match_numpy_bitwise(dtype, threads, n):
    x, y = rnd(1, n, dtype=dtype), rnd(2, n, dtype=dtype)
    t = Tensor(x)
    assert t.add(Tensor(y)) is t
    np.testing.assert_array_equal(t.numpy(), x + y)
    t = Tensor(x)
    assert t.add(0.25, Tensor(y)) is t
    np.testing.assert_array_equal(t.numpy(), x + dtype(0.25) * y)
    t = Tensor(x)
    assert t.cmul(Tensor(y)) is t
    np.testing.assert_array_equal(t.numpy(), x * y)


def test_integers_and_numpy_scalars_are_accepted(dtype):
    t = Tensor.from_numpy(ar(4, dtype=dtype))
    t.mul(2).add(np.float64(1)).div(np.int64(1))
    np.testing.assert_array_equal(t.numpy(), [3, 5, 7, 9])


def test_div_by_zero_is_ieee(dtype):
    t = Tensor.from_numpy(np.array([1.0, -1.0, 0.0], dtype))
    with np.errstate(invalid="ignore"):
        t.div(0)
    assert t.numpy()[0] == np.inf and t.numpy()[1] == -np.inf and np.isnan(t.numpy()[2])


@pytest.mark.parametrize("op", ["mul", "add", "cmul", "add_t"])
def test_non_contiguous_self(dtype, threads, op):
    """A transposed (and a strided) self is computed right and only its elements change."""
    base = rnd(3, 300, 400, dtype=dtype)
    other = rnd(4, 400, 150, dtype=dtype)
    x = base.copy()
    t = Tensor.from_numpy(x).t().narrow(2, 51, 150)  # 400 x 150 view, strides (4, 1600)
    expected = x.T[:, 50:200].copy()
    if op == "mul":
        t.mul(-1.5)
        expected *= dtype(-1.5)
    elif op == "add":
        t.add(2.0)
        expected += dtype(2.0)
    elif op == "cmul":
        t.cmul(Tensor(other))
        expected *= other
    else:
        t.add(0.5, Tensor(other).t().t())
        expected += dtype(0.5) * other
    np.testing.assert_array_equal(t.numpy(), expected)
    untouched = np.ones(base.shape, bool)
    untouched[50:200, :] = False
    np.testing.assert_array_equal(x[untouched], base[untouched])


def test_operand_pairing_broadcast_and_aliasing(dtype):
    x = ar(2, 3, dtype=dtype)
    t = Tensor(x).cmul(Tensor.from_numpy(ar(3, 2, dtype=dtype)))  # same count: row-major pairs
    np.testing.assert_array_equal(t.numpy(), x * x)
    t = Tensor(x).add(Tensor.from_numpy(np.array([10, 20, 30], dtype)))  # broadcast a row
    np.testing.assert_array_equal(t.numpy(), x + [10, 20, 30])
    t = Tensor(x).cmul(Tensor.from_numpy(np.array([[2], [3]], dtype)))  # broadcast a column
    np.testing.assert_array_equal(t.numpy(), x * [[2], [3]])
    sq = Tensor.from_numpy(ar(3, 3, dtype=dtype))
    sq.cmul(sq)  # self * self
    np.testing.assert_array_equal(sq.numpy(), ar(3, 3) ** 2)
    sq = Tensor.from_numpy(ar(3, 3, dtype=dtype))
    sq.add(sq.t())  # overlapping operand: read before written
    np.testing.assert_array_equal(sq.numpy(), ar(3, 3) + ar(3, 3).T)


def test_empty_tensors_arithmetic():
    e = Tensor(0, 3)
    assert e.mul(2).div(2).add(1).add(Tensor(0, 3)).cmul(Tensor(0)).fill(1).zero() is e
    assert e.rand().randn().bernoulli(0.5) is e


@pytest.mark.parametrize("call, exc, match", [
    (lambda t: t.cmul(Tensor(2, 3, dtype="float64")), TypeError,
     "Tensor.cmul: expected a float32 operand like self, got float64"),
    (lambda t: t.add(Tensor(6, dtype="float64")), TypeError,
     "Tensor.add: expected a float32 operand"),
    (lambda t: t.add(2.0, Tensor(2, 3, dtype="float64")), TypeError,
     "Tensor.add: expected a float32"),
    (lambda t: t.cmul(Tensor(4)), ValueError,
     "Tensor.cmul: expected an operand with 6 elements or broadcastable to 2x3, got size 4"),
    (lambda t: t.add(Tensor(2, 2)), ValueError, "Tensor.add: expected an operand with 6 elements"),
    (lambda t: t.add(1, 2, 3), TypeError, r"Tensor.add: expected add\(value\), add\(tensor\)"),
    (lambda t: t.add("a"), TypeError, "Tensor.add: expected a Tensor as operand, got str"),
    (lambda t: t.add("a", Tensor(2, 3)), TypeError, "Tensor.add: expected alpha to be a number"),
    (lambda t: t.mul(Tensor(2, 3)), TypeError,
     "Tensor.mul: expected value to be a number, got Tensor"),
    (lambda t: t.div("2"), TypeError, "Tensor.div: expected value to be a number, got '"),
    (lambda t: t.cmul([1.0] * 6), TypeError, "Tensor.cmul: expected a Tensor as operand, got list"),
    (lambda t: t.fill(None), TypeError, "Tensor.fill: expected value to be a number"),
])
def test_arithmetic_errors_change_nothing(call, exc, match):
    t = Tensor.range(1, 6, 1).resize(2, 3)
    with pytest.raises(exc, match=match):
        call(t)
    np.testing.assert_array_equal(t.numpy(), ar(2, 3))


def test_read_only_tensor_rejects_in_place_ops():
    x = ar(2, 3)
    x.flags.writeable = False
    t = Tensor.from_numpy(x)
    for name, call in [("mul", lambda: t.mul(2)), ("add", lambda: t.add(Tensor(2, 3))),
                       ("rand", lambda: t.rand()), ("fill", lambda: t.fill(1)),
                       ("set_value", lambda: t.set_value(1, 1, 0.0)),
                       ("addmm", lambda: t.addmm(Tensor(2, 2), Tensor(2, 3)))]:
        with pytest.raises(ValueError, match=f"Tensor.{name}: expected a writable tensor"):
            call()
    np.testing.assert_array_equal(x, ar(2, 3))
    assert t.clone().mul(2).value_at(1, 1) == 2  # reading is fine


def test_kernel_entry_points_validate():
    x = np.ones(4, np.float32)
    with pytest.raises(ValueError, match="axpy: expected y with 4 elements like x, got 3"):
        _tensor_ops.axpy(x, 1.0, np.ones(3, np.float32), 1)
    with pytest.raises(ValueError, match="cmul: expected y with 4 elements like x, got 5"):
        _tensor_ops.cmul(x, np.ones(5, np.float32), 2)
    np.testing.assert_array_equal(x, 1)


def test_fill_and_zero(dtype):
    x = ar(3, 4, dtype=dtype)
    t = Tensor.from_numpy(x)
    assert t.narrow(2, 2, 2).fill(-1) is not t
    np.testing.assert_array_equal(x[:, 1:3], -1)
    assert t.zero() is t and not x.any()
    assert t.fill(2.5).numpy().sum() == 30


# ---- addmm (BLAS) ------------------------------------------------------------------------

def _mats(dtype, m=3, k=4, n=5, seed=0):
    return (rnd(seed, m, n, dtype=dtype), rnd(seed + 1, m, k, dtype=dtype),
            rnd(seed + 2, k, n, dtype=dtype))


def _close(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def test_addmm_overloads(dtype):
    M, a, b = _mats(dtype)
    ab = a.astype(np.float64) @ b
    t = Tensor(dtype=dtype)
    assert t.addmm(0.5, Tensor(M), -2.0, Tensor(a), Tensor(b)) is t
    np.testing.assert_allclose(t.numpy(), 0.5 * M - 2 * ab, **_close(dtype))
    np.testing.assert_allclose(Tensor(dtype=dtype).addmm(Tensor(M), Tensor(a), Tensor(b)).numpy(),
                               M + ab, **_close(dtype))
    np.testing.assert_allclose(Tensor(M).addmm(3.0, -1.0, Tensor(a), Tensor(b)).numpy(),
                               3 * M - ab, **_close(dtype))
    np.testing.assert_allclose(Tensor(M).addmm(2.0, Tensor(a), Tensor(b)).numpy(),
                               M + 2 * ab, **_close(dtype))
    np.testing.assert_allclose(Tensor(M).addmm(Tensor(a), Tensor(b)).numpy(), M + ab,
                               **_close(dtype))
    Mt = Tensor(M)
    Tensor(dtype=dtype).addmm(Mt, Tensor(a), Tensor(b))
    np.testing.assert_array_equal(Mt.numpy(), M)  # M is read, not written


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
def test_addmm_operand_and_output_layouts(dtype, layout):
    M, a, b = _mats(dtype, 6, 7, 5, seed=10)
    if layout == "contiguous":
        ta, tb = Tensor(a), Tensor(b)
        out = Tensor(M)
    elif layout == "transposed":  # t() views: no copy, BLAS transposes
        ta, tb = Tensor(a.T.copy()).t(), Tensor(b.T.copy()).t()
        out = Tensor(M.T.copy()).t()
    else:  # every other element: neither rows nor columns contiguous
        def spread(x):
            big = np.zeros((2 * x.shape[0], 2 * x.shape[1]), dtype)
            big[::2, ::2] = x
            return Tensor.from_numpy(big[::2, ::2])
        ta, tb, out = spread(a), spread(b), spread(M)
    backing = out.numpy()
    out.addmm(0.5, out, 2.0, ta, tb)
    assert out.numpy() is backing
    np.testing.assert_allclose(out.numpy(), 0.5 * M + 2 * (a.astype(np.float64) @ b),
                               **_close(dtype))


def test_addmm_beta_zero_ignores_nan_and_aliasing_is_safe(dtype):
    M, a, b = _mats(dtype)
    M[0, 0] = np.nan
    t = Tensor(dtype=dtype).addmm(0.0, Tensor(M), 1.0, Tensor(a), Tensor(b))
    assert np.isfinite(t.numpy()).all()
    sq = Tensor(rnd(7, 4, 4, dtype=dtype))
    x = sq.numpy().astype(np.float64)
    sq.addmm(sq, sq)  # self is M, mat1 and mat2
    np.testing.assert_allclose(sq.numpy(), x + x @ x, **_close(dtype))
    sq = Tensor(x.astype(dtype))
    sq.addmm(1.0, sq.t(), sq)
    np.testing.assert_allclose(sq.numpy(), x + x.T @ x, **_close(dtype))


def test_addmm_empty_dims(dtype):
    t = Tensor(dtype=dtype).addmm(2.0, Tensor(ar(2, 3, dtype=dtype)), 1.0,
                                  Tensor(2, 0, dtype=dtype), Tensor(0, 3, dtype=dtype))
    np.testing.assert_array_equal(t.numpy(), 2 * ar(2, 3))  # k = 0: beta * M
    e = Tensor(0, 3, dtype=dtype).addmm(Tensor(0, 4, dtype=dtype), Tensor(4, 3, dtype=dtype))
    assert e.size() == (0, 3)
    one = Tensor(np.array([[2.0]], dtype)).addmm(Tensor(np.array([[3.0]], dtype)),
                                                  Tensor(np.array([[4.0]], dtype)))
    assert one.value_at(1, 1) == 14


@pytest.mark.parametrize("call, exc, match", [
    (lambda t: t.addmm(Tensor(2, 4), Tensor(5, 3)), ValueError,
     r"Tensor.addmm: expected mat1 \(m x k\), mat2 \(k x n\) and M \(m x n\), "
     r"got mat1 2x4, mat2 5x3, M 2x3"),
    (lambda t: t.addmm(Tensor(3, 4), Tensor(4, 3)), ValueError, "got mat1 3x4, mat2 4x3, M 2x3"),
    (lambda t: t.addmm(Tensor(4), Tensor(4, 3)), ValueError, "got mat1 4, mat2 4x3"),
    (lambda t: t.addmm(Tensor(2, 4), Tensor(4, 3, dtype="float64")), TypeError,
     "Tensor.addmm: expected a float32 mat2 like self, got float64"),
    (lambda t: t.addmm(1.0, Tensor(2, 3, dtype="float64"), 1.0, Tensor(2, 4), Tensor(4, 3)),
     TypeError, "Tensor.addmm: expected a float32 M like self, got float64"),
    (lambda t: t.addmm(Tensor(2, 4)), TypeError,
     r"Tensor.addmm: expected \(beta, M, alpha, mat1, mat2\), .* got \(Tensor\)"),
    (lambda t: t.addmm(1.0, 2.0, Tensor(2, 4), Tensor(4, 3), 5.0), TypeError,
     r"Tensor.addmm: expected \(beta, M"),
    (lambda t: t.addmm("1", Tensor(2, 4), Tensor(4, 3)), TypeError,
     "Tensor.addmm: expected alpha to be a number, got '"),
])
def test_addmm_errors_change_nothing(call, exc, match):
    t = Tensor.range(1, 6, 1).resize(2, 3)
    with pytest.raises(exc, match=match):
        call(t)
    np.testing.assert_array_equal(t.numpy(), ar(2, 3))


# ---- random fills -----------------------------------------------------------------------------

SPEC_MT_SEED_100 = np.array([0.54340494, 0.67115563, 0.2783694, 0.4120464, 0.4245176,
                             0.52638245, 0.84477615, 0.14860484], dtype=np.float32)


def test_mt19937_rand_reproduces_bigdl_bitwise():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(100)
    t = Tensor(8).rand()
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy().view(np.uint32), SPEC_MT_SEED_100.view(np.uint32))


def test_mt19937_fills_a_non_contiguous_view_in_its_row_major_order():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(100)
    x = np.zeros((4, 2), np.float32)
    Tensor.from_numpy(x).t().rand()  # the 2x4 view gets draws 1..8 in its own row-major order
    np.testing.assert_array_equal(x.T, SPEC_MT_SEED_100.reshape(2, 4))


def test_non_contiguous_fill_equals_contiguous_fill(dtype):
    for fill in (lambda t: t.rand(-1, 3), lambda t: t.randn(2, 0.5), lambda t: t.bernoulli(0.3)):
        RNG.set_seed(77)
        ref = fill(Tensor(30, 20, dtype=dtype)).numpy()
        RNG.set_seed(77)
        x = np.zeros((20, 30), dtype)
        assert isinstance(fill(Tensor.from_numpy(x).t()), Tensor)
        np.testing.assert_array_equal(x.T, ref)


def test_random_fills_are_thread_count_independent(dtype):
    results = []
    for n in (1, 2):
        bigdl_py.set_num_threads(n)
        RNG.set_seed(5)
        t = Tensor(BIG, dtype=dtype)
        results.append([t.rand(0, 2).numpy().copy(), t.randn(1, 3).numpy().copy(),
                        t.bernoulli(0.4).numpy().copy()])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


@pytest.mark.parametrize("seed", [11, 12])
def test_rand_statistics(dtype, seed):
    """Mean and variance of U[a, b) within 6 standard errors (z = 6), values in [a, b)."""
    RNG.set_seed(seed)
    n, a, b = 2 ** 18, -1.0, 3.0
    x = Tensor(n, dtype=dtype).rand(a, b).numpy().astype(np.float64)
    assert x.min() >= a and x.max() < b
    var = (b - a) ** 2 / 12
    assert abs(x.mean() - (a + b) / 2) < 6 * math.sqrt(var / n)
    # var of (x - mu)^2 for a uniform is (b-a)^4/180
    assert abs(x.var() - var) < 6 * math.sqrt((b - a) ** 4 / 180 / n)


@pytest.mark.parametrize("seed", [21, 22])
def test_randn_statistics(dtype, seed):
    """Mean and variance of N(mean, std^2) within 6 standard errors (z = 6)."""
    RNG.set_seed(seed)
    n, mean, std = 2 ** 18, 0.5, 2.0
    x = Tensor(n, dtype=dtype).randn(mean, std).numpy().astype(np.float64)
    assert np.isfinite(x).all()
    assert abs(x.mean() - mean) < 6 * std / math.sqrt(n)
    assert abs(x.var() - std ** 2) < 6 * std ** 2 * math.sqrt(2 / n)


@pytest.mark.parametrize("seed", [31, 32])
@pytest.mark.parametrize("p", [0.1, 0.5])
def test_bernoulli_statistics(dtype, seed, p):
    """Exact value set {0, 1}; rate within 6 standard errors (z = 6)."""
    RNG.set_seed(seed)
    n = 2 ** 18
    x = Tensor(n, dtype=dtype).bernoulli(p).numpy()
    assert set(np.unique(x).tolist()) == {0.0, 1.0}
    assert abs(x.mean() - p) < 6 * math.sqrt(p * (1 - p) / n)


def test_bernoulli_edges_and_defaults(dtype):
    assert not Tensor(100, dtype=dtype).bernoulli(0).numpy().any()
    assert (Tensor(100, dtype=dtype).bernoulli(1).numpy() == 1).all()
    u = Tensor(1000, dtype=dtype).rand().numpy()
    assert u.min() >= 0 and u.max() < 1 and u.dtype == dtype
    assert Tensor(1, dtype=dtype).randn().numpy().shape == (1,)
    assert (Tensor(10, dtype=dtype).randn(3, 0).numpy() == 3).all()


def test_same_seed_same_numbers_and_fresh_draws():
    RNG.set_seed(3)
    a = Tensor(100).rand().numpy().copy()
    b = Tensor(100).rand().numpy().copy()
    RNG.set_seed(3)
    np.testing.assert_array_equal(Tensor(100).rand().numpy(), a)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("call, exc, match", [
    (lambda t: t.rand(2, 1), ValueError, "Tensor.rand: expected finite a <= b, got a=2.0, b=1.0"),
    (lambda t: t.rand(0, float("inf")), ValueError, "Tensor.rand: expected finite a <= b"),
    (lambda t: t.rand("0"), TypeError, "Tensor.rand: expected a to be a number, got '"),
    (lambda t: t.randn(0, -1), ValueError, "Tensor.randn: expected a finite mean and std >= 0"),
    (lambda t: t.randn(float("nan")), ValueError, "Tensor.randn: expected a finite mean"),
    (lambda t: t.bernoulli(1.5), ValueError, r"Tensor.bernoulli: expected p in \[0, 1\], got 1.5"),
    (lambda t: t.bernoulli(float("nan")), ValueError, r"Tensor.bernoulli: expected p in \[0, 1\]"),
    (lambda t: t.bernoulli(None), TypeError, "Tensor.bernoulli: expected p to be a number"),
])
def test_random_fill_errors_draw_nothing(call, exc, match):
    RNG.set_seed(8)
    t = Tensor(5)
    with pytest.raises(exc, match=match):
        call(t)
    assert not t.numpy().any()
    after_error = Tensor(5).rand().numpy()
    RNG.set_seed(8)
    np.testing.assert_array_equal(after_error, Tensor(5).rand().numpy())


# ---- almost_equal -------------------------------------------------------------------------

def test_almost_equal(dtype):
    a = Tensor.from_numpy(ar(2, 3, dtype=dtype))
    b = a.clone().add(1e-3)
    assert a.almost_equal(b, 1e-2) and not a.almost_equal(b, 1e-4)
    assert a.almost_equal(Tensor.from_numpy(ar(3, 2, dtype=dtype)), 1e-9)  # row-major pairs
    b.set_value(1, 1, float("nan"))
    assert not a.almost_equal(b, 1e9)
    assert Tensor(0, dtype=dtype).almost_equal(Tensor(0, dtype=dtype), 0.1)
    with pytest.raises(ValueError,
                       match="Tensor.almost_equal: expected 6 elements like self, got 5"):
        a.almost_equal(Tensor(5, dtype=dtype), 1.0)
    other = np.float64 if dtype == np.float32 else np.float32
    with pytest.raises(TypeError, match="Tensor.almost_equal: expected a .* other like self"):
        a.almost_equal(Tensor(6, dtype=other), 1.0)
    with pytest.raises(TypeError, match="Tensor.almost_equal: expected tol to be a number"):
        a.almost_equal(a, "x")


# ---- aliasing: every op that takes other tensors, with operands that are self or overlap it
def _aliased(dtype):
    """(name, self, operand) triples where operand shares self's storage."""
    def base():
        return Tensor(np.arange(1.0, 26.0).reshape(5, 5).astype(dtype) / 7)
    cases = []
    b = base()
    cases.append(("self", b, b))
    b = base()
    cases.append(("transpose", b, b.t()))
    b = base()
    cases.append(("shifted rows", b.narrow(1, 1, 4).narrow(2, 1, 4),
                  b.narrow(1, 2, 4).narrow(2, 1, 4)))
    b = base()
    cases.append(("shifted cols", b.narrow(1, 2, 4).narrow(2, 2, 4),
                  b.narrow(1, 1, 4).narrow(2, 1, 4)))
    b = base()
    cases.append(("transposed shift", b.narrow(1, 1, 4).narrow(2, 1, 4),
                  b.narrow(1, 2, 4).narrow(2, 2, 4).t()))
    return cases


ALIAS_IDS = ["self", "transpose", "shifted rows", "shifted cols", "transposed shift"]


@pytest.mark.parametrize("case", range(5), ids=ALIAS_IDS)
@pytest.mark.parametrize("op", ["copy", "add", "add_alpha", "cmul"])
def test_elementwise_ops_with_aliased_operands(op, case, dtype):
    _, s, o = _aliased(dtype)[case]
    x, y = s.numpy().copy(), o.numpy().copy()
    expected = {"copy": y, "add": x + y, "add_alpha": x + dtype(-0.5) * y,
                "cmul": x * y}[op]
    if op == "add_alpha":
        s.add(-0.5, o)
    elif op == "copy":
        s.copy(o)
    else:
        getattr(s, op)(o)
    np.testing.assert_allclose(s.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("case", range(5), ids=ALIAS_IDS)
@pytest.mark.parametrize("role", ["M", "mat1", "mat2", "all"])
def test_addmm_with_aliased_operands(role, case, dtype):
    # issue 18: self as mat1 gave [[3, 3], [3, 3]] for M + mat1 @ mat2 = [[8, 11], [16, 23]]
    _, s, o = _aliased(dtype)[case]
    n = s.size(1)
    rng = np.random.default_rng(case)
    other = [Tensor(rng.standard_normal((n, n)).astype(dtype)) for _ in range(3)]
    ops = {"M": [o, other[1], other[2]], "mat1": [other[0], o, other[2]],
           "mat2": [other[0], other[1], o], "all": [o, o, o]}[role]
    m, m1, m2 = (t.numpy().copy() for t in ops)
    s.addmm(0.5, ops[0], 2.0, ops[1], ops[2])
    np.testing.assert_allclose(s.numpy(), dtype(0.5) * m + dtype(2.0) * (m1 @ m2),
                               **_close(dtype))


@pytest.mark.parametrize("form", ["M,mat1,mat2", "beta,alpha,mat1,mat2", "alpha,mat1,mat2",
                                  "mat1,mat2"])
def test_addmm_overloads_with_self_as_operand(form, dtype):
    mat = np.array([[1.0, 2.0], [3.0, 4.0]], dtype)
    for as_m1, as_m2 in ((True, False), (False, True), (True, True)):
        s = Tensor(mat.copy())
        M = Tensor(np.ones((2, 2), dtype))
        m1 = s if as_m1 else Tensor(mat.copy())
        m2 = s if as_m2 else Tensor(mat.copy())
        args = {"M,mat1,mat2": (M, m1, m2), "beta,alpha,mat1,mat2": (1.0, 1.0, m1, m2),
                "alpha,mat1,mat2": (1.0, m1, m2), "mat1,mat2": (m1, m2)}[form]
        base = np.ones((2, 2), dtype) if form == "M,mat1,mat2" else mat
        s.addmm(*args)
        np.testing.assert_array_equal(s.numpy(), base + mat @ mat)
    s = Tensor(mat.copy())
    s.addmm(Tensor(np.ones((2, 2), dtype)), s, Tensor(mat.copy()))
    np.testing.assert_array_equal(s.numpy(), [[8, 11], [16, 23]])


@pytest.mark.parametrize("call", ["mul", "fill", "add", "div", "add_alpha", "set_value"])
@pytest.mark.parametrize("value", [True, np.bool_(False)])
def test_bools_are_not_numbers(call, value):
    t = Tensor(np.ones((2, 2), np.float32))
    with pytest.raises(TypeError, match="expected"):
        if call == "add_alpha":
            t.add(value, Tensor(np.ones((2, 2), np.float32)))
        elif call == "set_value":
            t.set_value(1, 1, value)
        else:
            getattr(t, call)(value)
    np.testing.assert_array_equal(t.numpy(), np.ones((2, 2)))
