import numpy as np
import pytest
from gradcheck import numeric_grad

from bigdl_py import Tensor
from bigdl_py.nn.criterion import ClassNLLCriterion, CrossEntropyCriterion, MSECriterion


def check_criterion_grads(crit, x, target, atol=1e-6, rtol=1e-5):
    """The criterion variant of tests/gradcheck.py: backward vs central differences of
    forward (float64)."""
    x = np.array(x, dtype=np.float64)
    analytic = np.array(crit.backward(x.copy(), target))
    numeric = numeric_grad(lambda: crit.forward(x, target), x)
    np.testing.assert_allclose(analytic, numeric, atol=atol, rtol=rtol)


def _log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def _nll(x, labels, w=None, size_average=True):
    """Independent loop version of BigDL's ClassNLLCriterion on log-probabilities."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    w = np.ones(x.shape[1]) if w is None else np.asarray(w, dtype=np.float64)
    loss = total = 0.0
    for row, t in zip(x, np.ravel(labels)):
        loss -= w[int(t) - 1] * row[int(t) - 1]
        total += w[int(t) - 1]
    return loss / total if size_average else loss


RNG = np.random.default_rng(7)
X = RNG.standard_normal((5, 4))
LABELS = np.array([1, 4, 2, 2, 3])
WEIGHTS = np.array([0.5, 1.0, 2.0, 0.25])


# ---- MSE --------------------------------------------------------------------------------
@pytest.mark.parametrize("size_average", [True, False])
def test_mse_against_numpy(size_average, dtype):
    x, t = X.astype(dtype), RNG.standard_normal(X.shape).astype(dtype)
    c = MSECriterion(size_average)
    n = x.size if size_average else 1
    loss = c.forward(x, t)
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, np.sum((x.astype(np.float64) - t) ** 2) / n, rtol=1e-6)
    g = c.backward(x, t)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, 2 * (x.astype(np.float64) - t) / n, rtol=1e-6)
    check_criterion_grads(MSECriterion(size_average), X, t.astype(np.float64))


def test_mse_shape_checked_and_empty():
    with pytest.raises(ValueError, match=r"MSECriterion: expected target of shape \(2, 3\) "
                                         r"\(the input's, size-1 axes aside\), got \(3, 2\)"):
        MSECriterion().forward(np.zeros((2, 3)), np.zeros((3, 2)))
    assert np.isnan(MSECriterion().forward(np.zeros(0), np.zeros(0)))
    assert MSECriterion(False).forward(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(TypeError, match="MSECriterion: expected size_average to be a bool"):
        MSECriterion(1)


# ---- ClassNLL ---------------------------------------------------------------------------
@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize("size_average", [True, False])
def test_nll_against_loop(weights, size_average, dtype):
    logp = _log_softmax(X).astype(dtype)
    c = ClassNLLCriterion(weights, size_average)
    np.testing.assert_allclose(c.forward(logp, LABELS),
                               _nll(logp, LABELS, weights, size_average), rtol=1e-6)
    g = c.backward(logp, LABELS)
    assert g.dtype == dtype and g.shape == X.shape
    check_criterion_grads(ClassNLLCriterion(weights, size_average), _log_softmax(X), LABELS)


@pytest.mark.parametrize("labels", [LABELS, LABELS.astype(np.float32), LABELS[:, None],
                                    LABELS.tolist(), Tensor(LABELS.astype(np.float32))])
def test_nll_label_forms(labels):
    expected = _nll(X, LABELS)
    np.testing.assert_allclose(ClassNLLCriterion().forward(X, labels), expected)


def test_nll_1d_input():
    x = _log_softmax(X[0])
    for label in (3, 3.0, [3], np.array([[3]])):
        np.testing.assert_allclose(ClassNLLCriterion().forward(x, label), -x[2])
    np.testing.assert_allclose(ClassNLLCriterion(WEIGHTS, False).forward(x, 3), -2 * x[2])
    g = ClassNLLCriterion().backward(x, 3)
    np.testing.assert_array_equal(g, [0, 0, -1, 0])


def test_nll_probabilities_input():
    p = np.exp(_log_softmax(X))
    c = ClassNLLCriterion(logProbAsInput=False)
    np.testing.assert_allclose(c.forward(p, LABELS), _nll(np.log(p), LABELS), rtol=1e-12)
    check_criterion_grads(ClassNLLCriterion(logProbAsInput=False), p, LABELS)
    # BigDL clips the probability at 1e-8
    assert c.forward(np.array([[0.0, 1.0]]), [1]) == pytest.approx(-np.log(1e-8))


@pytest.mark.parametrize("bad", [0, 5, -1, 2.5, np.nan])
def test_label_outside_range(bad):
    labels = LABELS.astype(np.float64)
    labels[3] = bad
    for cls in (ClassNLLCriterion, CrossEntropyCriterion):
        with pytest.raises(ValueError, match=rf"{cls.__name__}: expected class labels in 1..4 "
                                             rf"\(1-based, as in BigDL\), got {bad!r}"):
            cls().forward(X, labels)
        with pytest.raises(ValueError, match=rf"{cls.__name__}: expected class labels in 1..4"):
            cls().backward(X, labels)


def test_nll_bad_shapes_and_types():
    c = ClassNLLCriterion()
    with pytest.raises(ValueError, match=r"ClassNLLCriterion: expected 5 labels \(shape \(5,\) "
                                         r"or \(5, 1\)\) for input of shape \(5, 4\), got "
                                         r"shape \(4,\)"):
        c.forward(X, LABELS[:4])
    with pytest.raises(ValueError, match=r"ClassNLLCriterion: expected a 1D \(C,\) or 2D "
                                         r"\(N, C\) input, got shape \(2, 2, 2\)"):
        c.forward(np.zeros((2, 2, 2)), [1, 1])
    with pytest.raises(TypeError, match="ClassNLLCriterion: expected numeric class labels, "
                                        "got bool"):
        c.forward(X, np.ones(5, dtype=bool))
    with pytest.raises(ValueError, match=r"ClassNLLCriterion: expected weights of length 4 "
                                         r"\(the number of classes\), got 3"):
        ClassNLLCriterion([1, 2, 3]).forward(X, LABELS)
    with pytest.raises(ValueError, match=r"ClassNLLCriterion: expected weights to be a 1D "
                                         r"array of finite numbers, got shape \(2, 2\)"):
        ClassNLLCriterion(np.ones((2, 2)))
    with pytest.raises(ValueError, match="ClassNLLCriterion: expected weights to be a 1D"):
        ClassNLLCriterion([1.0, np.inf])


# ---- CrossEntropy -----------------------------------------------------------------------
@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize("size_average", [True, False])
def test_cross_entropy_is_logsoftmax_plus_nll(weights, size_average, dtype):
    x = X.astype(dtype)
    c = CrossEntropyCriterion(weights, size_average)
    np.testing.assert_allclose(c.forward(x, LABELS),
                               _nll(_log_softmax(X), LABELS, weights, size_average), rtol=1e-5)
    p = np.exp(_log_softmax(X))
    w = np.ones(4) if weights is None else weights
    wt = w[LABELS - 1]
    onehot = np.eye(4)[LABELS - 1]
    norm = wt.sum() if size_average else 1.0
    g = c.backward(x, LABELS)
    assert g.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(g, wt[:, None] * (p - onehot) / norm, rtol=tol, atol=tol)
    check_criterion_grads(CrossEntropyCriterion(weights, size_average), X, LABELS)


def test_cross_entropy_large_scores_finite():
    x = np.array([[1e4, 0.0, -1e4]], dtype=np.float32)
    c = CrossEntropyCriterion()
    assert c.forward(x, [1]) == 0.0
    assert c.forward(x, [3]) == pytest.approx(2e4)
    assert np.all(np.isfinite(c.backward(x, [3])))


def test_tensor_input_gives_reused_tensor():
    c = CrossEntropyCriterion()
    g1 = c.backward(Tensor(X), LABELS)
    g2 = c.backward(Tensor(X * 2), LABELS)
    assert isinstance(g1, Tensor) and g2 is g1
    assert isinstance(c.backward(X, LABELS), np.ndarray)


def test_repr():
    assert repr(MSECriterion()) == "MSECriterion(size_average=True)"
    assert repr(ClassNLLCriterion([1, 2])) == ("ClassNLLCriterion(weights=[1.0, 2.0], "
                                               "size_average=True, logProbAsInput=True)")


@pytest.mark.parametrize("ltype", [np.uint8, np.int16, np.int32, np.int64, np.uint64,
                                   np.float16, np.float32, np.float64])
def test_nll_label_dtypes(ltype):
    """Every real label dtype gives the same loss and gradient (the kernel takes four
    dtypes; the others are converted), and a bad label is named in its own type."""
    c = ClassNLLCriterion(WEIGHTS)
    np.testing.assert_allclose(c.forward(X, LABELS.astype(ltype)), _nll(X, LABELS, WEIGHTS))
    np.testing.assert_array_equal(c.backward(X, LABELS.astype(ltype)), c.backward(X, LABELS))
    bad = LABELS.astype(ltype)
    bad[2] = 9
    with pytest.raises(ValueError, match=f"got {bad[2].item()!r}"):
        c.forward(X, bad)


def test_nll_kernel_checks():
    from bigdl_py import _criterion
    idx, w = np.zeros(5, np.intp), np.empty(0)
    with pytest.raises(ValueError, match="_criterion.class_indices: expected idx of 5"):
        _criterion.class_indices(LABELS, 4, np.zeros(4, np.intp))
    assert _criterion.class_indices(LABELS, 4, idx) == -1
    np.testing.assert_array_equal(idx, LABELS - 1)
    with pytest.raises(ValueError, match=r"_criterion.nll_forward: expected 0-based labels "
                                         r"in \[0, 4\), got 4"):
        _criterion.nll_forward(X, LABELS.astype(np.intp), w, True, True)
    with pytest.raises(ValueError, match="_criterion.nll_backward: expected 5 labels"):
        _criterion.nll_backward(X, idx[:4], w, True, True, np.empty_like(X))
    with pytest.raises(ValueError, match="_criterion.nll_backward: expected no weights or 4"):
        _criterion.nll_backward(X, idx, np.ones(3), True, True, np.empty_like(X))
    with pytest.raises(ValueError, match=r"_criterion.nll_backward: expected grad of shape"):
        _criterion.nll_backward(X, idx, w, True, True, np.empty((5, 3)))
