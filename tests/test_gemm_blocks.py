"""GEMMs past BLAS's int: rowmajor_gemm splits m, n and k into blocks of at most
``bigdl_gemm_block`` (2**31 - 1).  The tests lower the block (per extension, through
``_set_gemm_block``) so that the blocking runs on small arrays, and compare with numpy
and with the unblocked results -- 2**31 rows themselves would need 16 GB."""
import numpy as np
import pytest

from bigdl_py import _blas, _linear, _nin
from bigdl_py.nn import NIN, Linear
import bigdl_py.nn.nin as nin_module

MODULES = (_blas, _linear, _nin)


@pytest.fixture(params=[1, 3, 7], ids=["block1", "block3", "block7"])
def block(request):
    old = [m._set_gemm_block(request.param) for m in MODULES]
    yield request.param
    for m, b in zip(MODULES, old):
        m._set_gemm_block(b)


def _tol(dtype):
    return dict(rtol=3e-5, atol=3e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def test_default_block_is_the_largest_blas_int():
    for m in MODULES:
        old = m._set_gemm_block(5)
        assert old == 2 ** 31 - 1
        assert m._set_gemm_block(0) == 5  # < 1 restores the default
        assert m._set_gemm_block(old) == 2 ** 31 - 1


@pytest.mark.parametrize("ta", [False, True], ids=["N", "T"])
@pytest.mark.parametrize("tb", [False, True], ids=["N", "T"])
@pytest.mark.parametrize("mnk", [(10, 9, 8), (1, 17, 3), (16, 1, 11), (5, 4, 0)])
def test_blocked_gemm_matches_numpy(block, ta, tb, mnk, dtype):
    m, n, k = mnk
    rng = np.random.default_rng(sum(mnk))
    a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(dtype)
    b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(dtype)
    c = rng.uniform(-1, 1, (m, n)).astype(dtype)
    expected = 0.5 * ((a.T if ta else a) @ (b.T if tb else b)) - 2.0 * c
    _blas.gemm(ta, tb, 0.5, a, b, -2.0, c, 2)
    np.testing.assert_allclose(c, expected, **_tol(dtype))


def test_blocked_gemm_with_strided_rows(block, dtype):
    # sub-blocks keep the operands' row strides (leading dimensions)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((9, 20)).astype(dtype)[:, 2:13]
    b = rng.standard_normal((11, 30)).astype(dtype)[:, 5:12]
    big = np.zeros((9, 15), dtype)
    c = big[:, 3:10]
    _blas.gemm(False, False, 1.0, a, b, 0.0, c, 1)
    np.testing.assert_allclose(c, a @ b, **_tol(dtype))
    assert not big[:, :3].any() and not big[:, 10:].any()


def _run(module, x, g):
    module.zero_grad_parameters()
    out = np.asarray(module.forward(x)).copy()
    gi = np.asarray(module.backward(x, g)).copy()
    return [out, gi] + [gw.copy() for _, gw in module._param_pairs()]


@pytest.mark.parametrize("make,shape", [
    (lambda d: Linear(6, 5, dtype=d), (13, 6)),
    (lambda d: NIN(4, 5, data_format="NHWC", dtype=d), (3, 2, 3, 4)),
    (lambda d: NIN(4, 5, untie_biases=True, spatial_shape=(2, 3), data_format="NHWC",
                   dtype=d), (3, 2, 3, 4)),
    (lambda d: NIN(4, 5, dtype=d), (3, 4, 2, 3)),
], ids=["Linear", "NIN-NHWC", "NIN-NHWC-untied", "NIN-NCHW"])
@pytest.mark.parametrize("swap", [True, False], ids=["swap", "per_sample"])
def test_layers_blocked_equal_unblocked(make, shape, swap, dtype, monkeypatch):
    monkeypatch.setattr(nin_module, "NCHW_SWAP", swap)
    rng = np.random.default_rng(3)
    m = make(dtype)
    x = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(np.asarray(m.forward(x)).shape).astype(dtype)
    reference = _run(m, x, g)
    old = [mod._set_gemm_block(2) for mod in MODULES]
    try:
        blocked = _run(m, x, g)
    finally:
        for mod, b in zip(MODULES, old):
            mod._set_gemm_block(b)
    for r, b in zip(reference, blocked):
        np.testing.assert_allclose(b, r, **_tol(dtype))


def test_nchw_uses_per_sample_from_2_31_positions(monkeypatch):
    monkeypatch.setattr(nin_module, "NCHW_SWAP", True)
    assert nin_module._swap(2 ** 31 - 1) and not nin_module._swap(2 ** 31)


def test_gemm_rejects_row_strides_past_blas_int():
    a = np.lib.stride_tricks.as_strided(np.zeros(4, np.float32), (2, 2), (2 ** 33, 4))
    with pytest.raises(ValueError, match="row strides < 2\\*\\*31"):
        _blas.gemm(False, False, 1.0, a, np.zeros((2, 2), np.float32), 0.0,
                   np.zeros((2, 2), np.float32), 1)
