"""Gradient clipping in the Optimizer (FRAMEWORK.md §7): constant and global-L2 clipping of
the averaged gradient before weight decay and momentum, in the order first set."""
import numpy as np
import pytest

import bigdl_py
from bigdl_py import _gradclip, _testing
from bigdl_py.nn import Linear
from bigdl_py.nn.criterion import MSECriterion
from bigdl_py.optim import SGD, MaxIteration, Optimizer


def _data():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((10, 3))
    return X, X @ np.array([3.0, -2.0, 1.0]) + 1.0


def _grads(w, b, X, y):
    r = (X @ w[0] + b[0] - y) * (2.0 / len(y))
    return (r @ X)[None, :], np.array([r.sum()])


def _f32(x):
    return float(np.float32(x))


def _reference(clips, steps=3, wd=0.0, mom=0.0):
    """Full-batch SGD(0.1) by hand, clipping the gradient as the clips say (in order)."""
    X, y = _data()
    w, b = np.full((1, 3), 0.5), np.zeros(1)
    v = None
    for _ in range(steps):
        gs = list(_grads(w, b, X, y))
        for kind, *args in clips:
            if kind == "const":
                gs = [np.clip(g, _f32(args[0]), _f32(args[1])) for g in gs]
            else:
                norm = np.sqrt(sum(np.sum(g * g) for g in gs))
                if norm > _f32(args[0]):
                    gs = [g / (norm / _f32(args[0])) for g in gs]
        ds = [g + wd * p for g, p in zip(gs, (w, b))]
        if mom:
            v = [d.copy() for d in ds] if v is None else [mom * a + (1 - mom) * d
                                                          for a, d in zip(v, ds)]
            ds = v
        w, b = w - 0.1 * ds[0], b - 0.1 * ds[1]
    return w, b


def _run(setup, steps=3, wd=0.0, mom=0.0):
    X, y = _data()
    model = Linear(3, 1, dtype="float64").set_weights([np.full((1, 3), 0.5), np.zeros(1)])
    opt = Optimizer.create(model, (X, y), MSECriterion(), MaxIteration(steps), 10,
                           SGD(0.1, weightdecay=wd, momentum=mom))
    setup(opt)
    opt.optimize()
    return model.get_weights()


CASES = [
    ("const", lambda o: o.set_gradclip_const(-0.2, 0.2), [("const", -0.2, 0.2)], {}),
    ("l2", lambda o: o.set_gradclip_l2norm(0.3), [("l2", 0.3)], {}),
    ("const then l2", lambda o: o.set_gradclip_const(-0.2, 0.2).set_gradclip_l2norm(0.3),
     [("const", -0.2, 0.2), ("l2", 0.3)], {}),
    ("l2 then const", lambda o: o.set_gradclip_l2norm(0.3).set_gradclip_const(-0.2, 0.2),
     [("l2", 0.3), ("const", -0.2, 0.2)], {}),
    ("const with weight decay and momentum",
     lambda o: o.set_gradclip_const(-0.2, 0.2), [("const", -0.2, 0.2)], dict(wd=0.5, mom=0.9)),
    ("replace in place keeps the order",
     lambda o: o.set_gradclip_const(-1, 1).set_gradclip_l2norm(0.3).set_gradclip_const(-.2, .2),
     [("const", -0.2, 0.2), ("l2", 0.3)], {}),
    ("disabled", lambda o: o.set_gradclip_l2norm(0.3).disable_gradclip(), [], {}),
]


@pytest.mark.parametrize("name, setup, clips, kw", CASES, ids=[c[0] for c in CASES])
def test_clipping_order_and_place(name, setup, clips, kw):
    got = _run(setup, **kw)
    w, b = _reference(clips, **kw)
    np.testing.assert_allclose(got[0], w, rtol=1e-12)
    np.testing.assert_allclose(got[1], b, rtol=1e-12)


def test_clipping_changes_the_result():
    plain = _run(lambda o: None)
    clipped = _run(lambda o: o.set_gradclip_l2norm(0.3))
    assert not np.allclose(plain[0], clipped[0])
    # the two orders differ on this problem, so the order test above can fail
    a, _ = _reference([("const", -0.2, 0.2), ("l2", 0.3)])
    b, _ = _reference([("l2", 0.3), ("const", -0.2, 0.2)])
    assert not np.allclose(a, b)


@pytest.mark.parametrize("call, exc, match", [
    (lambda o: o.set_gradclip_const(1.0, -1.0), ValueError, "min value can not be larger"),
    (lambda o: o.set_gradclip_const("a", 1.0), TypeError, "expected min_value to be a number"),
    (lambda o: o.set_gradclip_l2norm(0.0), ValueError, "l2NormThreshold should larger than"),
    (lambda o: o.set_gradclip_l2norm(float("nan")), ValueError, "expected clip_norm"),
    (lambda o: o.set_gradclip_const(float("nan"), 1.0), ValueError,
     r"Optimizer.set_gradclip_const: expected min_value in \[-inf, inf\], got nan"),
    (lambda o: o.set_gradclip_l2norm(True), TypeError,
     "Optimizer.set_gradclip_l2norm: expected clip_norm to be a number, got True"),
])
def test_bad_thresholds(call, exc, match):
    X, y = _data()
    opt = Optimizer.create(Linear(3, 1), (X, y), MSECriterion())
    with pytest.raises(exc, match=match):
        call(opt)
    assert opt._gradclip == []


def test_sumsq_is_thread_independent(threads):
    old = _testing.optim_parallel_threshold(0)
    try:
        g = np.random.default_rng(0).standard_normal(50_001).astype(np.float32)
        total = _gradclip.sumsq(g, bigdl_py.get_num_threads())
        assert total == _gradclip.sumsq(g, 1)
        assert total == pytest.approx(float(np.dot(g.astype(np.float64), g)), rel=1e-12)
    finally:
        _testing.optim_parallel_threshold(old)
