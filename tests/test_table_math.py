"""CMulTable, CMaxTable, CAveTable: element-wise reductions of a table (BigDL's)."""
import numpy as np
import pytest

from bigdl_py import nn
from bigdl_py.nn.persist import load_model, save_model
from gradcheck import check_table_grads


def table(dtype, n=3, shape=(2, 4), seed=0):
    rs = np.random.RandomState(seed)
    return [rs.randn(*shape).astype(dtype) for _ in range(n)]


@pytest.mark.parametrize("cls, ref", [(nn.CMulTable, np.prod), (nn.CMaxTable, np.max),
                                      (nn.CAveTable, np.mean)])
def test_forward_values(cls, ref, dtype):
    t = table(dtype)
    out = cls().forward(t)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, ref(np.stack(t), axis=0), rtol=1e-6)


@pytest.mark.parametrize("cls", [nn.CMulTable, nn.CMaxTable, nn.CAveTable])
def test_gradcheck(cls):
    check_table_grads(cls(), table(np.float64))


def test_mul_gradient_with_zeros_and_max_ties():
    a, b = np.array([0.0, 2.0, 3.0]), np.array([5.0, 0.0, 3.0])
    g = np.array([1.0, 1.0, 1.0])
    mul = nn.CMulTable()
    mul.forward([a, b])
    ga, gb = mul.backward([a, b], g)
    assert ga.tolist() == [5.0, 0.0, 3.0] and gb.tolist() == [0.0, 2.0, 3.0]
    m = nn.CMaxTable()
    assert m.forward([a, b]).tolist() == [5.0, 2.0, 3.0]
    ga, gb = m.backward([a, b], g)
    assert ga.tolist() == [0.0, 1.0, 1.0] and gb.tolist() == [1.0, 0.0, 0.0]  # tie: first
    nan = np.array([np.nan, 1.0, 0.0])
    assert np.isnan(m.forward([a, nan])[0]) and m.backward([a, nan], g)[1][0] == 1.0
    ave = nn.CAveTable()
    ave.forward([a, b])
    ga, gb = ave.backward([a, b], g)
    assert ga.tolist() == gb.tolist() == [0.5, 0.5, 0.5]


@pytest.mark.parametrize("cls", [nn.CMulTable, nn.CMaxTable, nn.CAveTable])
def test_errors(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"{name}: expected every element of the first "
                                         rf"element's shape \(2,\), got \(3,\) as element 2"):
        cls().forward([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match=rf"{name}: expected a non-empty table"):
        cls().forward([])
    m = cls()
    m.forward([np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError, match=name):
        m.backward([np.zeros(2), np.zeros(2)], np.zeros(3))


def test_in_a_graph_and_saved(tmp_path):
    x1, x2 = nn.Input(), nn.Input()
    out = nn.CMaxTable()([nn.CMulTable()([x1, x2]), nn.CAveTable()([x1, x2])])
    g = nn.Model([x1, x2], out)
    a, b = table(np.float32, 2)
    want = np.maximum(a * b, (a + b) / 2)
    np.testing.assert_allclose(g.forward([a, b]), want, rtol=1e-6)
    save_model(g, tmp_path / "g.bigdl")
    np.testing.assert_array_equal(load_model(tmp_path / "g.bigdl").forward([a, b]),
                                  g.forward([a, b]))
