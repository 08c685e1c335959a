"""NIN: numpy oracle over ranks 2-5 in both formats (tied, untied, no bias), gradient checks,
PyTorch conv2d 1x1 as a second oracle, Lasagne's NINLayer shapes, and the error paths."""
import numpy as np
import pytest
from gradcheck import check_module_grads

import bigdl_py.nn.nin as nin_module
from bigdl_py import RNG, _linear, _nin
from bigdl_py.nn import NIN
from bigdl_py.optim import L2Regularizer

from helpers import (assert_constructor_error, assert_matches_oracle_loosely,
                     assert_same_at_1_and_2_threads)


def tol(dtype):
    return dict(rtol=3e-5, atol=3e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(params=[True, False], ids=["swap", "per_sample"])
def nchw_strategy(request, monkeypatch):
    """Both NCHW strategies of bigdl_py._nin (NIN uses "swap")."""
    monkeypatch.setattr(nin_module, "NCHW_SWAP", request.param)
    return request.param


def data(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def oracle(m, x, g):
    """(output, grad_input, grad_weight, grad_bias) in float64 numpy, channels moved last."""
    w = m.weight.astype(np.float64)
    nhwc = m.data_format == "NHWC"
    xl = np.moveaxis(x.astype(np.float64), 1, -1) if not nhwc else x.astype(np.float64)
    gl = np.moveaxis(g.astype(np.float64), 1, -1) if not nhwc else g.astype(np.float64)
    y = xl @ w.T
    if m.bias is not None:
        y = y + np.moveaxis(m.bias.astype(np.float64), 0, -1)  # (O, *S) -> (*S, O)
    gx = gl @ w
    gw = gl.reshape(-1, w.shape[0]).T @ xl.reshape(-1, w.shape[1])
    gb = gl.sum(0) if m.untie_biases else gl.reshape(-1, w.shape[0]).sum(0)
    gb = np.moveaxis(gb, -1, 0)
    back = (lambda a: a) if nhwc else (lambda a: np.moveaxis(a, -1, 1))
    return back(y), back(gx), gw, gb


def in_shape(fmt, n, c, spatial):
    return (n, c) + spatial if fmt == "NCHW" else (n,) + spatial + (c,)


CASES = [(), (5,), (3, 4), (2, 3, 2)]


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("spatial", CASES, ids=["rank2", "rank3", "rank4", "rank5"])
@pytest.mark.parametrize("bias", ["tied", "untied", "none"])
def test_forward_backward_oracle(dtype, threads, parallel_passes, nchw_strategy, fmt, spatial,
                                 bias):
    m = NIN(6, 4, with_bias=bias != "none", untie_biases=bias == "untied",
            spatial_shape=spatial if bias == "untied" else None, data_format=fmt, dtype=dtype)
    x = data(in_shape(fmt, 3, 6, spatial), dtype, 1)
    g = data(in_shape(fmt, 3, 4, spatial), dtype, 2)
    out = m.forward(x)
    gi = m.backward(x, g)
    y, gx, gw, gb = oracle(m, x, g)
    assert out.shape == y.shape and out.dtype == dtype
    np.testing.assert_allclose(out, y, **tol(dtype))
    np.testing.assert_allclose(gi, gx, **tol(dtype))
    np.testing.assert_allclose(m.grad_weight, gw, **tol(dtype))
    if bias == "none":
        assert m.bias is None and m.grad_bias is None
    else:
        assert m.bias.shape == ((4,) + spatial if bias == "untied" else (4,))
        np.testing.assert_allclose(m.grad_bias, gb, **tol(dtype))


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("untied", [False, True])
def test_large_input_parallel_paths(dtype, threads, parallel_passes, nchw_strategy, fmt,
                                    untied):
    m = NIN(8, 16, untie_biases=untied, spatial_shape=(40, 50), data_format=fmt, dtype=dtype)
    x, g = data(in_shape(fmt, 3, 8, (40, 50)), dtype, 3), data(in_shape(fmt, 3, 16, (40, 50)),
                                                              dtype, 4)
    assert_matches_oracle_loosely(m, x, g, oracle)


def test_one_thread_equals_two_threads_bitwise(parallel_passes):
    def run():
        res = []
        for fmt in ("NCHW", "NHWC"):
            RNG.set_seed(9)
            m = NIN(8, 16, data_format=fmt)
            x = data(in_shape(fmt, 4, 8, (30, 30)), np.float32, 5)
            g = data(in_shape(fmt, 4, 16, (30, 30)), np.float32, 6)
            res += [m.forward(x), m.backward(x, g), m.grad_weight, m.grad_bias]
        return res
    assert_same_at_1_and_2_threads(run)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("spatial, untied", [((), False), ((3,), False), ((2, 3), True),
                                             ((2, 1, 2), False)])
def test_gradcheck(nchw_strategy, fmt, spatial, untied):
    m = NIN(3, 2, untie_biases=untied, spatial_shape=spatial if untied else None,
            data_format=fmt, dtype="float64")
    check_module_grads(m, data(in_shape(fmt, 2, 3, spatial), np.float64, 7))


def test_phases_separately_equal_fused_backward(nchw_strategy):
    x, g = data((3, 4, 5, 6), np.float64, 12), data((3, 2, 5, 6), np.float64, 13)
    a = NIN(4, 2, untie_biases=True, spatial_shape=(5, 6), dtype="float64")
    b = NIN(4, 2, untie_biases=True, spatial_shape=(5, 6), dtype="float64")
    b.set_weights(a.get_weights())
    a.forward(x)
    gi = a.backward(x, g)
    gi2 = b.update_grad_input(x, g)
    assert np.all(b.grad_weight == 0) and np.all(b.grad_bias == 0)
    b.acc_grad_parameters(x, g)
    assert np.array_equal(gi, gi2)
    assert np.array_equal(a.grad_weight, b.grad_weight)
    assert np.array_equal(a.grad_bias, b.grad_bias)


def test_accumulation_scales_and_regularizer(nchw_strategy):
    m = NIN(3, 2, wRegularizer=L2Regularizer(0.5), dtype="float64")
    x, g = data((2, 3, 4, 5), np.float64, 8), data((2, 2, 4, 5), np.float64, 9)
    m.forward(x)
    m.backward(x, g)
    _, _, gw, gb = oracle(m, x, g)
    np.testing.assert_allclose(m.grad_weight, gw + 0.5 * m.weight, rtol=1e-12)
    m.zero_grad_parameters().set_scale_w(2.0).set_scale_b(0.0)
    m.backward(x, g)
    m.backward(x, g)
    np.testing.assert_allclose(m.grad_weight, 4 * (gw + 0.5 * m.weight), rtol=1e-12)
    assert np.all(m.grad_bias == 0)


def test_lasagne_nin_layer_example():
    # InputLayer((100, 20, 10, 3)); NINLayer(l_in, num_units=5)
    m = NIN(20, 5)
    assert m.forward(np.zeros((100, 20, 10, 3), np.float32)).shape == (100, 5, 10, 3)
    assert m.weight.shape == (5, 20) and m.bias.shape == (5,)
    u = NIN(20, 5, untie_biases=True, spatial_shape=(10, 3))
    assert u.bias.shape == (5, 10, 3)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_matches_torch_conv2d_1x1(fmt):
    torch = pytest.importorskip("torch")
    m = NIN(5, 3, data_format=fmt, dtype="float64")
    x = data(in_shape(fmt, 2, 5, (4, 6)), np.float64, 10)
    g = data(in_shape(fmt, 2, 3, (4, 6)), np.float64, 11)
    to_nchw = (lambda a: a) if fmt == "NCHW" else (lambda a: a.permute(0, 3, 1, 2))
    xt = torch.from_numpy(x).requires_grad_()
    wt = torch.from_numpy(m.weight.copy()).reshape(3, 5, 1, 1).requires_grad_()
    bt = torch.from_numpy(m.bias.copy()).requires_grad_()
    yt = torch.nn.functional.conv2d(to_nchw(xt), wt, bt)
    if fmt == "NHWC":
        yt = yt.permute(0, 2, 3, 1)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(m.forward(x), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.backward(x, g), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.grad_weight, wt.grad.numpy().reshape(3, 5), rtol=1e-12)
    np.testing.assert_allclose(m.grad_bias, bt.grad.numpy(), rtol=1e-12)


def test_empty_batch_and_str():
    m = NIN(3, 2, data_format="nhwc")
    assert m.forward(np.zeros((0, 4, 3))).shape == (0, 4, 2)
    assert NIN(3, 2).forward(np.zeros((0, 3, 4))).shape == (0, 2, 4)
    assert str(m.set_name("nin")) == "NIN[nin](3 -> 2, NHWC)"
    u = NIN(3, 2, untie_biases=True, spatial_shape=(4, 5))
    assert str(u) == f"NIN[{u._hex}](3 -> 2, untied (4, 5))"


@pytest.mark.parametrize("kwargs, shape, msg", [
    (dict(), (5,), r"NIN: expected an input of rank >= 2 \(N, C, \*spatial\) for NCHW, got "
                   r"a 1D input of shape \(5,\)"),
    (dict(), (2, 4, 5), r"NIN: expected input with 3 channels on axis 1 \(NCHW\), got 4"),
    (dict(data_format="NHWC"), (2, 3, 5), r"NIN: expected input with 3 channels on axis 2 "
                                          r"\(NHWC\), got 5"),
    (dict(untie_biases=True, spatial_shape=(4, 5)), (2, 3, 4, 6),
     r"NIN: expected spatial shape \(4, 5\) \(spatial_shape\), got \(4, 6\)"),
    (dict(spatial_shape=(4,)), (2, 3, 4, 1), r"NIN: expected spatial shape \(4,\) "
                                             r"\(spatial_shape\), got \(4, 1\)"),
])
def test_input_errors(kwargs, shape, msg):
    m = NIN(3, 2, **kwargs)
    with pytest.raises(ValueError, match=msg):
        m.forward(np.zeros(shape, np.float32))


def test_grad_output_shape_error_changes_nothing():
    m = NIN(3, 2)
    x = np.ones((2, 3, 4), np.float32)
    m.forward(x)
    with pytest.raises(ValueError, match=r"NIN: expected grad_output of shape \(2, 2, 4\), "
                                         r"got \(2, 4, 2\)"):
        m.backward(x, np.ones((2, 4, 2)))
    assert np.all(m.grad_weight == 0) and np.all(m.grad_bias == 0)


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(untie_biases=True), ValueError, "NIN: expected spatial_shape with untie_biases=True"),
    (dict(untie_biases=1), TypeError, "NIN: expected untie_biases to be a bool, got 1"),
    (dict(data_format="NCWH"), ValueError, "NIN: expected data_format to be one of 'NCHW', "
                                           r"'NHWC' \(any case\), got 'NCWH'"),
    (dict(data_format=None), TypeError, "NIN: expected data_format to be a string"),
    (dict(spatial_shape=(4, 0)), ValueError, r"NIN: expected spatial_shape to be a tuple of "
                                             r"ints >= 1, got \(4, 0\)"),
    (dict(spatial_shape=4), TypeError, "NIN: expected spatial_shape to be a tuple of ints, "
                                       "got 4"),
    (dict(output_size=0), ValueError, "NIN: expected output_size >= 1, got 0"),
    (dict(init_weight=np.ones((3, 3))), ValueError, r"NIN: expected init_weight of shape "
                                                    r"\(2, 3\), got \(3, 3\)"),
    (dict(untie_biases=True, spatial_shape=(4,), init_bias=np.ones(2)), ValueError,
     r"NIN: expected init_bias of shape \(2, 4\), got \(2,\)"),
    (dict(dtype="float16"), ValueError, "NIN: expected dtype 'float32' or 'float64', got "
                                        "'float16'"),
])
def test_constructor_errors(kwargs, err, msg):
    assert_constructor_error(NIN, dict(input_size=3, output_size=2), kwargs, err, msg)


def test_kernel_argument_errors():
    x, w = np.zeros((2, 3, 4), np.float32), np.zeros((5, 3), np.float32)
    out = np.zeros((2, 5, 4), np.float32)
    with pytest.raises(ValueError, match="nin.forward: expected scratch of 24 and 40 values, "
                                         "got None, None"):
        _nin.forward(x, w, None, out, None, None, True, 1)
    with pytest.raises(ValueError, match=r"nin.forward: expected \(N, 3, S\) and \(N, 5, S\) "
                                         r"arrays, got \(2, 3, 4\), \(2, 5, 3\)"):
        _nin.forward(x, w, None, out[:, :, :3].copy(), None, None, False, 1)
    with pytest.raises(ValueError, match="nin.forward: expected bias of 5 or 20 values, got 4"):
        _nin.forward(x, w, np.zeros(4, np.float32), out, None, None, False, 1)
    with pytest.raises(ValueError, match=r"nin.backward: expected grad_input like x "
                                         r"\(2, 3, 4\), got \(2, 3, 5\)"):
        _nin.backward(x, out, w, np.zeros((2, 3, 5), np.float32), np.zeros_like(w), None,
                      1.0, 1.0, None, None, False, 1)
    with pytest.raises(ValueError, match=r"nin.backward: expected grad_weight like weight "
                                         r"\(5, 3\), got \(3, 5\)"):
        _nin.backward(x, out, w, None, np.zeros((3, 5), np.float32), None, 1.0, 1.0, None,
                      None, False, 1)
    with pytest.raises(ValueError, match=r"linear_forward: expected x \(R, I\), weight "
                                         r"\(O, I\), out \(R, O\)"):
        _linear.linear_forward(np.zeros((2, 3)), np.zeros((4, 2)), None, np.zeros((2, 4)), 1,
                               1)
    with pytest.raises(ValueError, match="linear_acc_grad: expected grad_bias of O\\*spatial "
                                         "values and R a multiple of spatial"):
        _linear.linear_acc_grad(np.zeros((3, 2)), np.zeros((3, 4)), np.zeros((4, 2)),
                                np.zeros(8), 1.0, 1.0, 2, 1)
    with pytest.raises(ValueError, match="regularize: expected grad of 3 values like weight, "
                                         "got 2"):
        _linear.regularize(np.zeros(3), np.zeros(2), 0.1, 0.1, 1)
