"""Table layers: ConcatTable, ParallelTable, CAddTable, JoinTable, SelectTable, FlattenTable
-- BigDL's observed shapes and indices (FRAMEWORK.md §2), toString forms (§4), gradient
checks in float64, tables through Sequential, and every error path."""
import re

import numpy as np
import pytest
from gradcheck import check_table_grads

from bigdl_py import Tensor
from bigdl_py.nn import (CAddTable, ConcatTable, FlattenTable, Identity, JoinTable, Linear,
                         ParallelTable, ReLU, SelectTable, Sequential, Tanh)

rng = np.random.default_rng(0)


def _r(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def _lin(i, o, name, dtype="float64"):
    return Linear(i, o, dtype=dtype).set_name(name)


# ---- ConcatTable -----------------------------------------------------------------------------
def test_concat_table_of_a_tensor(dtype):
    a, b = _lin(4, 3, "a", np.dtype(dtype).name), _lin(4, 2, "b", np.dtype(dtype).name)
    ct = ConcatTable().add(a).add(b)
    x = _r(5, 4, dtype=dtype)
    y = ct.forward(x)
    assert isinstance(y, list) and [o.shape for o in y] == [(5, 3), (5, 2)]
    np.testing.assert_array_equal(y[0], a.forward(x))
    g = [np.ones((5, 3), dtype), np.ones((5, 2), dtype)]
    gi = ct.backward(x, g)  # the sum of the branches' gradInputs
    np.testing.assert_allclose(gi, np.ones((5, 3)) @ a.weight + np.ones((5, 2)) @ b.weight,
                               rtol=1e-6)
    assert ct.parameters().keys() == {"a", "b"}


def test_concat_table_of_a_table_sums_per_element():
    ct = ConcatTable(SelectTable(1), SelectTable(1), Identity_table())
    x = [_r(2), _r(3)]
    y = ct.forward(x)
    assert y[0] is x[0] or np.array_equal(y[0], x[0])
    g = [np.ones(2), np.full(2, 2.0), [np.full(2, 4.0), np.full(3, 5.0)]]
    gi = ct.backward(x, g)
    np.testing.assert_array_equal(gi[0], np.full(2, 7.0))
    np.testing.assert_array_equal(gi[1], np.full(3, 5.0))


def Identity_table():
    return ParallelTable(Identity(), Identity())


def test_concat_table_gradcheck():
    ct = ConcatTable(_lin(3, 2, "a"), Sequential(Tanh(), _lin(3, 4, "b")),
                     ConcatTable(Identity(), ReLU()))
    check_table_grads(ct, _r(4, 3) + 0.1)


def test_concat_table_str_nested_in_sequential():
    ct = ConcatTable(Linear(4, 3).set_name("a"), Linear(4, 2).set_name("b")).set_name("ct")
    assert str(ct) == ("ConcatTable[ct] {\n\tinput\n\t  |`-> (1): Linear[a](4 -> 3)\n"
                       "\t   `-> (2): Linear[b](4 -> 2)\n\t   ... -> output\n}")
    inner = ConcatTable(Sequential(Tanh().set_name("t")).set_name("s"),
                        Identity().set_name("i")).set_name("ct2")
    assert str(inner) == (
        "ConcatTable[ct2] {\n\tinput\n"
        "\t  |`-> (1): Sequential[s]{\n"
        "\t  |      [input -> (1) -> output]\n"
        "\t  |      (1): Tanh[t]\n"
        "\t  |    }\n"
        "\t   `-> (2): Identity[i]\n\t   ... -> output\n}")
    seq = Sequential(ct, JoinTable(1, 1)).set_name("seq")
    # BigDL: ConcatTable keeps its own "\n" inside a Sequential (closing brace in column 0)
    assert str(seq) == ("Sequential[seq]{\n  [input -> (1) -> (2) -> output]\n"
                        "  (1): " + str(ct) + "\n  (2): nn.JoinTable\n}")
    assert str(ConcatTable().set_name("e")) == "ConcatTable[e] {\n\tinput\n\t   ... -> output\n}"


def test_concat_table_errors():
    ct = ConcatTable(Identity(), Identity())
    x = np.zeros(3)
    ct.forward(x)
    with pytest.raises(ValueError, match="ConcatTable: expected a table of 2 elements as "
                                         "grad_output"):
        ct.backward(x, [np.zeros(3)])
    with pytest.raises(TypeError, match="ConcatTable: expected a table .list. as grad_output, "
                                        "got ndarray"):
        ct.backward(x, np.zeros(3))
    with pytest.raises(TypeError, match="ConcatTable.add: expected a bigdl_py Module"):
        ct.add("x")


# ---- ParallelTable ---------------------------------------------------------------------------
def test_parallel_table(dtype):
    a, b = Tanh(), ReLU()
    pt = ParallelTable().add(a).add(b)
    x = [_r(2, 3, dtype=dtype), _r(2, 2, dtype=dtype)]
    y = pt.forward(x)
    np.testing.assert_array_equal(y[0], np.tanh(x[0]))
    np.testing.assert_array_equal(y[1], np.maximum(x[1], 0))
    gi = pt.backward(x, [np.ones((2, 3), dtype), np.ones((2, 2), dtype)])
    np.testing.assert_allclose(gi[0], 1 - np.tanh(x[0]) ** 2, rtol=1e-6)
    assert ParallelTable(Tanh(), Tanh(), Tanh()).forward(x[:2])[1].shape == (2, 2)  # extras unused
    check_table_grads(ParallelTable(_lin(3, 2, "p"), Tanh()), [_r(2, 3), _r(2, 2)])


def test_parallel_table_str_and_errors():
    pt = ParallelTable(Linear(2, 2).set_name("a"), Tanh().set_name("t")).set_name("ignored")
    assert str(pt) == ("nn.ParallelTable {\n\tinput\n\t  |`-> (1): Linear[a](2 -> 2)\n"
                       "\t   `-> (2): Tanh[t]\n\t   ... -> output\n}")
    with pytest.raises(ValueError, match="ParallelTable: expected at most 2 elements .one per "
                                         "module., got a table of 3"):
        pt.forward([np.zeros(2)] * 3)
    with pytest.raises(TypeError, match="ParallelTable: expected a table .a list of arrays. as "
                                        "input, got ndarray"):
        pt.forward(np.zeros((2, 2)))


# ---- CAddTable -------------------------------------------------------------------------------
def test_cadd_table_sum_and_broadcast(dtype):
    a, b, c = _r(3, 4, dtype=dtype), _r(3, 4, dtype=dtype), _r(1, 4, dtype=dtype)
    m = CAddTable()
    np.testing.assert_array_equal(m.forward([a, b]), a + b)
    y = m.forward([a, c, np.array(2.0, dtype)])  # a row broadcast, a scalar added
    np.testing.assert_allclose(y, a + c + 2, rtol=1e-6)
    g = _r(3, 4, dtype=dtype)
    ga, gc, gs = m.backward([a, c, np.array(2.0, dtype)], g)
    np.testing.assert_array_equal(ga, g)
    assert not np.shares_memory(ga, g)  # inplace=False copies
    np.testing.assert_allclose(gc, g.sum(0, keepdims=True), rtol=1e-6)
    assert gs.shape == () and np.isclose(gs, g.sum())
    # same element count, other shape: element by element (BigDL)
    np.testing.assert_array_equal(m.forward([np.arange(4.0), np.ones((2, 2))]),
                                  np.arange(4.0) + 1)
    # BigDL's recorded case: a (4,1) column on (4,3), and [3] on (4,3)
    np.testing.assert_array_equal(m.forward([np.zeros((4, 3)), np.arange(4.0)[:, None]]),
                                  np.repeat(np.arange(4.0)[:, None], 3, 1))
    assert m.forward([np.zeros((4, 3)), np.arange(3.0)]).tolist()[0] == [0, 1, 2]


def test_cadd_table_inplace():
    a, b = np.ones((2, 2)), np.full((2, 2), 2.0)
    m = CAddTable(True)
    y = m.forward([a, b])
    assert y is a and a.tolist() == [[3, 3], [3, 3]]
    g = np.ones((2, 2))
    assert m.backward([a, b], g)[1] is g


def test_cadd_table_gradcheck():
    check_table_grads(CAddTable(), [_r(3, 4), _r(3, 4), _r(4), _r(3, 1), np.array(0.5)])


def test_cadd_table_errors():
    with pytest.raises(ValueError, match=re.escape("CAddTable: expected element 2 of shape "
                                                   "(3, 4), with as many values or "
                                                   "broadcastable to it, got shape (5,)")):
        CAddTable().forward([np.zeros((3, 4)), np.zeros(5)])
    with pytest.raises(ValueError, match="CAddTable: expected a non-empty table"):
        CAddTable().forward([])
    with pytest.raises(TypeError, match="CAddTable: expected a table of arrays, got a nested "
                                        "table as element 2"):
        CAddTable().forward([np.zeros(2), [np.zeros(2)]])
    with pytest.raises(TypeError, match="CAddTable: expected inplace to be a bool"):
        CAddTable(1)
    with pytest.raises(TypeError, match="CAddTable: expected a table .a list of arrays. as "
                                        "input, got ndarray"):
        CAddTable().forward(np.zeros(2))


# ---- JoinTable -------------------------------------------------------------------------------
@pytest.mark.parametrize("dim, nid, shapes, out", [
    (1, 1, [(3,), (2,)], (5,)),              # 1-D: 3 + 2 = 5
    (1, 1, [(2, 3), (2, 2)], (2, 5)),        # batched, so columns
    (1, 0, [(2, 3), (1, 3)], (3, 3)),        # rows
    (2, 2, [(2, 2, 3), (2, 2, 1)], (2, 2, 4)),
    (2, 2, [(2, 3), (2, 1)], (2, 4)),
    (-1, 0, [(2, 3), (2, 2)], (2, 5)),       # negative: the last dim
    (-2, 0, [(2, 3), (1, 3)], (3, 3)),
])
def test_join_table_bigdl_shapes(dim, nid, shapes, out, dtype):
    xs = [_r(*s, dtype=dtype) for s in shapes]
    m = JoinTable(dim, nid)
    y = m.forward(xs)
    assert y.shape == out and y.dtype == dtype
    axis = [k for k in range(len(out)) if out[k] != shapes[0][k]][0]
    np.testing.assert_array_equal(y, np.concatenate(xs, axis))
    g = _r(*out, dtype=dtype)
    gi = m.backward(xs, g)
    assert all(np.shares_memory(v, g) for v in gi)  # views of grad_output
    for v, ref in zip(gi, np.split(g, np.cumsum([s[axis] for s in shapes])[:-1], axis)):
        np.testing.assert_array_equal(v, ref)


def test_join_table_gradcheck_and_tensor():
    check_table_grads(JoinTable(2, 2), [_r(2, 2, 3), _r(2, 2, 1)])
    m = JoinTable(1, 0)
    t = m.forward([Tensor(np.ones((1, 2), np.float32)), Tensor(np.zeros((1, 2), np.float32))])
    assert isinstance(t, Tensor) and t.shape == (2, 2)
    assert m.forward([Tensor(np.ones((1, 2), np.float32))] * 2) is t  # reused


def test_join_table_errors():
    with pytest.raises(ValueError, match=re.escape(
            "JoinTable: expected dimension 3 (axis 3 after BigDL's batch adjustment) within "
            "the first input's 2 dimensions, got shape (2, 3)")):
        JoinTable(3, 0).forward([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=re.escape(
            "JoinTable: expected element 2 to match the first element's shape (2, 3) except "
            "along dimension 2, got (3, 3)")):
        JoinTable(2, 0).forward([np.zeros((2, 3)), np.zeros((3, 3))])
    with pytest.raises(ValueError, match="JoinTable: expected a 1-based .or negative. "
                                         "dimension, got 0"):
        JoinTable(0, 0)
    with pytest.raises(TypeError, match="JoinTable: expected n_input_dims to be an int"):
        JoinTable(1, "2")
    m = JoinTable(1, 0)
    m.forward([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match=re.escape("JoinTable: expected grad_output of shape "
                                                   "(5,), got (4,)")):
        m.backward([np.zeros(2), np.zeros(3)], np.zeros(4))
    assert str(m) == "nn.JoinTable"


# ---- SelectTable, FlattenTable ---------------------------------------------------------------
def test_select_table_indices_both_directions():
    x = [np.full(1, 1.0), np.full(2, 2.0), np.full(3, 3.0)]
    for index, pos in ((1, 0), (2, 1), (3, 2), (-1, 2), (-2, 1), (-3, 0)):
        m = SelectTable(index)
        np.testing.assert_array_equal(m.forward(x), x[pos])  # BigDL's -1 gives the 2nd last
        gi = m.backward(x, np.full(pos + 1, 7.0))  # ... and its backward the last: fixed
        for k, g in enumerate(gi):
            np.testing.assert_array_equal(g, x[k] * 0 + (7.0 if k == pos else 0.0))
    assert str(SelectTable(2)) == "SelectTable(2)"
    check_table_grads(SelectTable(-2), [_r(2), [_r(3), _r(1)], _r(2)])


def test_select_table_errors():
    with pytest.raises(ValueError, match="SelectTable: expected index 3 within a table of 2 "
                                         "elements"):
        SelectTable(3).forward([np.zeros(1)] * 2)
    with pytest.raises(ValueError, match="SelectTable: expected index -3 within a table"):
        SelectTable(-3).forward([np.zeros(1)] * 2)
    with pytest.raises(ValueError, match="SelectTable: expected a 1-based"):
        SelectTable(0)
    with pytest.raises(TypeError, match="SelectTable: expected index to be an int"):
        SelectTable(1.0)
    with pytest.raises(ValueError, match=re.escape("SelectTable: expected grad_output of shape "
                                                   "(1,), got an array (2,)")):
        SelectTable(1).evaluate().backward([np.zeros(1)], np.zeros(2))


def test_flatten_table():
    a, b, c, d = (np.full(1, float(i)) for i in range(4))
    m = FlattenTable()
    y = m.forward([a, [b, [c]], d])
    assert [v.tolist() for v in y] == [[0], [1], [2], [3]] and y[0] is a  # no copies
    g = [np.full(1, 10.0 + i) for i in range(4)]
    gi = m.backward([a, [b, [c]], d], g)
    assert gi[0] is g[0] and gi[1][1][0] is g[2] and gi[2] is g[3]
    assert str(m) == "nn.Flatten"
    check_table_grads(FlattenTable(), [_r(2), [_r(3), [_r(1, 2)]]])
    with pytest.raises(ValueError, match="FlattenTable: expected a table of 4 elements as "
                                         "grad_output"):
        m.backward([a, [b, [c]], d], g[:3])


# ---- tables through Sequential ---------------------------------------------------------------
def test_sequential_passes_tables():
    a, b = _lin(4, 3, "a", "float32"), _lin(4, 3, "b", "float32")
    s = Sequential(ConcatTable(a, b), CAddTable(), Tanh())
    x = _r(5, 4, dtype=np.float32)
    np.testing.assert_allclose(s.forward(x), np.tanh(a.forward(x) + b.forward(x)), rtol=1e-6)
    s2 = Sequential(JoinTable(1, 1), _lin(5, 2, "c", "float32"))
    assert s2._takes_table() is True
    y = s2.forward([x, x[:, :1]])
    assert y.shape == (5, 2)
    gi = s2.backward([x, x[:, :1]], np.ones((5, 2), np.float32))
    assert [g.shape for g in gi] == [(5, 4), (5, 1)]
    check_table_grads(Sequential(ConcatTable(Tanh(), Identity()), CAddTable()), [_r(2, 3)][0])


def test_table_of_nested_lists_and_errors():
    # a table may be given as plain nested lists (each element becomes an array)
    assert CAddTable().forward([[1, 2], [3, 4]]).tolist() == [4.0, 6.0]
    # a list holding arrays is a table for modules that take either
    y = ConcatTable(Identity()).forward([[1.0, 2.0]])
    assert len(y) == 1 and y[0].shape == (1, 2)
    with pytest.raises(ValueError, match="Sequential: module 2 .CAddTable.* failed in "
                                         "forward: CAddTable: expected element 2"):
        Sequential(ParallelTable(Identity(), Identity()), CAddTable()).forward(
            [np.zeros((3, 4)), np.zeros(5)])
    with pytest.raises(TypeError, match=re.escape(
            "Tanh: expected an array as input, got a table (a list of 2 arrays)")):
        Tanh().forward([np.zeros(2), np.zeros(3)])
