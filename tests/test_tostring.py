"""Tests for bigdl_py._tostring (Java number formatting, BigDL tensor layout)."""
import re
import time

import numpy as np
import pytest

from bigdl_py._tostring import java_double_str, java_float_str, tensor_to_string

F32 = "[bigdl_py.Tensor[float32] of size {}]"


def f32(*shape):
    return np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)


@pytest.mark.parametrize("value, expected", [
    (0.1, "0.1"), (1e-4, "1.0E-4"), (0.001, "0.001"), (1e7, "1.0E7"),
    (9999999.0, "9999999.0"), (123456.78, "123456.78"), (-0.0, "-0.0"), (0.0, "0.0"),
    (1 / 3, "0.33333334"), (np.nan, "NaN"), (np.inf, "Infinity"), (-np.inf, "-Infinity"),
    (1.0, "1.0"), (-3.5e-5, "-3.5E-5"), (1.2345e10, "1.2345E10"), (100.0, "100.0"),
    (1e-45, "1.4E-45"), (3.4028235e38, "3.4028235E38"), (9.999999e-4, "9.999999E-4"),
])
def test_java_float_str(value, expected):
    assert java_float_str(np.float32(value)) == expected


@pytest.mark.parametrize("value, expected", [
    (0.1, "0.1"), (1 / 3, "0.3333333333333333"), (1e-4, "1.0E-4"), (1e21, "1.0E21"),
    (100.0, "100.0"), (-0.0, "-0.0"), (np.nan, "NaN"), (-np.inf, "-Infinity"),
    (5e-324, "4.9E-324"), (2e23, "2.0E23"), (1e7, "1.0E7"), (0.001, "0.001"),
])
def test_java_double_str(value, expected):
    assert java_double_str(value) == expected


def test_round_trip_random_bits():
    rng = np.random.default_rng(0)
    f = rng.integers(0, 2**32, 3000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    for v in f[np.isfinite(f)]:
        s = java_float_str(v)
        assert np.float32(float(s)) == v and ("E" in s) != (1e-3 <= abs(v) < 1e7 or v == 0)
    d = rng.integers(0, 2**64, 3000, dtype=np.uint64).view(np.float64)
    for v in d[np.isfinite(d)]:
        s = java_double_str(v)
        assert float(s) == v and re.fullmatch(r"-?\d+\.\d+(E-?\d+)?", s)


def test_known_printouts():
    assert tensor_to_string(np.arange(1, 9, dtype=np.float32).reshape(2, 4)) == (
        "1.0\t2.0\t3.0\t4.0\t\n5.0\t6.0\t7.0\t8.0\t\n" + F32.format("2x4"))
    assert tensor_to_string(f32(2, 2, 3)) == (
        "(1,.,.) =\n0.0\t1.0\t2.0\t\n3.0\t4.0\t5.0\t\n\n"
        "(2,.,.) =\n6.0\t7.0\t8.0\t\n9.0\t10.0\t11.0\t\n\n" + F32.format("2x2x3"))
    assert tensor_to_string(np.array([0.1, 1 / 3])) == (
        "0.1\n0.3333333333333333\n[bigdl_py.Tensor[float64] of size 2]")


def test_scalar_empty_and_dtype():
    assert tensor_to_string(np.array(2.5, np.float32)) == "Scalar(2.5)\n" + F32.format("")
    assert tensor_to_string(np.zeros((2, 0))) == (
        "Empty Tensor\n[bigdl_py.Tensor[float64] of size 2x0]")
    with pytest.raises(TypeError):
        tensor_to_string(np.arange(3))


def test_fold_1d():
    assert tensor_to_string(f32(999)).count("\n") == 999
    assert tensor_to_string(f32(1000)) == (
        "0.0\n1.0\n2.0\n...\n997.0\n998.0\n999.0\n" + F32.format("1000"))


def test_fold_2d():
    def row(i):  # 1-based columns 1, 2, 3 (+ "..."), 28, 29, 30
        v = [30.0 * i + j for j in (0, 1, 2, 27, 28, 29)]
        return "{}\t{}\t{}\t...\t{}\t{}\t{}\t\n".format(*v)
    assert row(0) == "0.0\t1.0\t2.0\t...\t27.0\t28.0\t29.0\t\n"
    body = "".join(map(row, (0, 1, 2))) + "...\n" + "".join(map(row, (37, 38, 39)))
    assert tensor_to_string(f32(40, 30)) == body + F32.format("40x30")
    # two columns: whole rows; "..." right after row 3
    s = tensor_to_string(f32(600, 2))
    assert s == ("0.0\t1.0\t\n2.0\t3.0\t\n4.0\t5.0\t\n...\n1194.0\t1195.0\t\n"
                 "1196.0\t1197.0\t\n1198.0\t1199.0\t\n" + F32.format("600x2"))
    # j == 3 is also one of the last 3 columns: printed plainly
    assert tensor_to_string(f32(300, 5)).startswith("0.0\t1.0\t2.0\t3.0\t4.0\t\n")
    assert tensor_to_string(f32(300, 6)).startswith("0.0\t1.0\t2.0\t...\t3.0\t4.0\t5.0\t\n")
    # "..." after row 3 even when no row is skipped; 1000 elements fold, 999 do not
    assert tensor_to_string(f32(4, 250)).split("\n")[3] == "..."
    assert "..." not in tensor_to_string(f32(3, 333))


def test_fold_3d_slices():
    s = tensor_to_string(f32(10, 20, 30))
    assert re.findall(r"\((\d+),\.,\.\) =", s) == ["1", "2", "9", "10"]
    assert "..." not in s and s.count("\n") == 4 * (1 + 20 + 1)
    assert "(9,.,.) =\n4800.0\t" in s
    # a slice with >= 1000 elements is folded like a 2-D tensor
    s = tensor_to_string(f32(2, 40, 30))
    body2d = tensor_to_string(f32(40, 30)).split("[bigdl_py")[0]
    assert s.startswith("(1,.,.) =\n" + body2d + "\n(2,.,.) =\n")


def test_4d_headers_and_bigdl_quirks():
    s = tensor_to_string(f32(2, 2, 2, 3))
    assert re.findall(r"\(\d+,\d+,\.,\.\) =", s) == [
        "(1,1,.,.) =", "(1,2,.,.) =", "(2,1,.,.) =", "(2,2,.,.) ="]
    assert s.startswith("(1,1,.,.) =\n0.0\t1.0\t2.0\t\n3.0\t4.0\t5.0\t\n\n(1,2,.,.) =\n")
    # BigDL emits "...\n\n" before each slice whose 2nd index is size-1
    s = tensor_to_string(f32(5, 5, 20, 20))
    heads = re.findall(r"\((\d),(\d),\.,\.\) =", s)
    assert heads == [(a, b) for a in "1245" for b in "1245"]
    assert s.count("...\n\n") == 4 and s.count("...\n\n(1,4,.,.) =") == 1
    # ... and once up front when the second-to-last axis has size 2
    assert tensor_to_string(f32(300, 2, 2)).startswith("...\n\n(1,.,.) =\n")


def test_large_tensor_is_fast():
    a = np.random.default_rng(1).standard_normal(10**6).astype(np.float32)
    t = time.perf_counter()
    for shape in [(10**6,), (1000, 1000), (100, 100, 100), (250000, 2, 2), (10,) * 6]:
        tensor_to_string(a.reshape(shape))
    assert time.perf_counter() - t < 5
