import numpy as np
import pytest

from bigdl_py.nn.criterion import ClassNLLCriterion, MSECriterion
from bigdl_py.optim import (SGD, Adam, EveryEpoch, Loss, MaxEpoch, MaxIteration, MaxScore,
                            MinLoss, OptimMethod, SeveralIteration, Top1Accuracy, Top5Accuracy,
                            TriggerAnd, TriggerOr)

from helpers import assert_steps_match, optim_problem


def _sgd_reference(ws, grads, lr, lrd=0.0, wd=0.0, mom=0.0, damp=None, nesterov=False):
    """Torch7's optim.sgd written out with float64 loops over the steps."""
    damp = mom if damp is None else damp
    ws = [w.astype(np.float64).copy() for w in ws]
    bufs = [None] * len(ws)
    for n, gs in enumerate(grads):
        clr = lr / (1 + n * lrd)
        for i, (w, g) in enumerate(zip(ws, gs)):
            d = g.astype(np.float64) + wd * w
            if mom != 0:
                bufs[i] = d.copy() if bufs[i] is None else mom * bufs[i] + (1 - damp) * d
                d = d + mom * bufs[i] if nesterov else bufs[i]
            w -= clr * d
    return ws


SGD_CASES = [dict(lr=0.1), dict(lr=0.1, lrd=0.5), dict(lr=0.05, wd=0.01),
             dict(lr=0.1, mom=0.9), dict(lr=0.1, mom=0.9, damp=0.0),
             dict(lr=0.1, mom=0.5, damp=0.2, wd=0.1, lrd=0.1),
             dict(lr=0.1, mom=0.9, damp=0.0, nesterov=True)]


@pytest.mark.parametrize("case", SGD_CASES, ids=[str(c) for c in SGD_CASES])
def test_sgd_against_formula(case, dtype):
    ws, grads = optim_problem(dtype)
    keep = [[g.copy() for g in gs] for gs in grads]
    expected = _sgd_reference(ws, grads, case["lr"], case.get("lrd", 0.0), case.get("wd", 0.0),
                              case.get("mom", 0.0), case.get("damp"), case.get("nesterov", False))
    sgd = SGD(case["lr"], case.get("lrd", 0.0), case.get("wd", 0.0), case.get("mom", 0.0),
              case.get("damp"), case.get("nesterov", False))
    assert_steps_match(sgd, ws, grads, expected, dtype, 1e-5 if dtype == np.float32 else 1e-12)
    for gs, k in zip(grads, keep):  # gradients untouched
        for g, gk in zip(gs, k):
            np.testing.assert_array_equal(g, gk)


def test_sgd_one_step_by_hand():
    w, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    sgd = SGD(learningrate=0.1, learningrate_decay=1.0, weightdecay=0.1, momentum=0.9)
    sgd.optimize([(w, g)])  # clr = 0.1; d = g + 0.1 w = [0.6, 0.05]; first v = d
    np.testing.assert_allclose(w, [1 - 0.06, -2 - 0.005])
    w2 = w.copy()
    sgd.optimize([(w, g)])  # clr = 0.05; d = g + 0.1 w2; v = 0.9 v + 0.1 d (dampening = 0.9)
    d = g + 0.1 * w2
    v = 0.9 * np.array([0.6, 0.05]) + 0.1 * d
    np.testing.assert_allclose(w, w2 - 0.05 * v)


@pytest.mark.parametrize("kw", [dict(), dict(momentum=0.9), dict(momentum=0.9, dampening=0.0),
                                dict(weightdecay=0.01, momentum=0.5)],
                         ids=["plain", "momentum", "undamped", "decay"])
def test_sgd_branch_free_paths_equal_the_general_loop(kw, dtype, threads):
    """The kernel's branch-free loops (no per-element rates or decays) give the bits of its
    general loop, reached by passing learningrates of ones / the decay per element."""
    from bigdl_py import _testing
    ws, grads = optim_problem(dtype, seed=3)
    ws = [np.resize(w, 5000) for w in ws]  # past one chunk of the kernel
    n = sum(w.size for w in ws)
    general = dict(kw, learningrates=np.ones(n), weightdecay=0.0,
                   weightdecays=np.full(n, kw["weightdecay"]) if "weightdecay" in kw else None)
    old = _testing.optim_parallel_threshold(0)  # the chunked parallel path at 2 threads
    try:
        fast, slow = [w.copy() for w in ws], [w.copy() for w in ws]
        a, b = SGD(0.1, **kw), SGD(0.1, **general)
        for gs in grads:
            gs = [np.resize(g, 5000) for g in gs]
            a.optimize(list(zip(fast, gs)))
            b.optimize(list(zip(slow, gs)))
    finally:
        _testing.optim_parallel_threshold(old)
    for x, y in zip(fast, slow):
        np.testing.assert_array_equal(x, y)


def _adam_reference(ws, grads, lr, lrd=0.0, b1=0.9, b2=0.999, eps=1e-8):
    ws = [w.astype(np.float64).copy() for w in ws]
    s = [np.zeros_like(w) for w in ws]
    r = [np.zeros_like(w) for w in ws]
    for n, gs in enumerate(grads):
        t = n + 1
        clr = lr / (1 + n * lrd)
        for i, g in enumerate(gs):
            s[i] = b1 * s[i] + (1 - b1) * g
            r[i] = b2 * r[i] + (1 - b2) * g * g
            mhat, vhat = s[i] / (1 - b1 ** t), r[i] / (1 - b2 ** t)
            # the paper's update; BigDL's reordering puts eps / sqrt(1 - b2**t) in its place
            ws[i] -= clr * mhat / (np.sqrt(vhat) + eps / np.sqrt(1 - b2 ** t))
    return ws


@pytest.mark.parametrize("kw", [{}, dict(lrd=0.3, b1=0.5, b2=0.9, eps=1e-3)])
def test_adam_against_formula(kw, dtype):
    ws, grads = optim_problem(dtype, seed=1)
    expected = _adam_reference(ws, grads, 0.01, **kw)
    adam = Adam(0.01, kw.get("lrd", 0.0), kw.get("b1", 0.9), kw.get("b2", 0.999),
                kw.get("eps", 1e-8))
    for gs in grads:
        adam.optimize(list(zip(ws, gs)))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for w, e in zip(ws, expected):
        np.testing.assert_allclose(w, e, rtol=tol, atol=tol)


def test_state_survives_and_is_per_parameter():
    ws, grads = optim_problem()
    a = SGD(0.1, momentum=0.9)
    for gs in grads[:2]:
        a.optimize(zip(ws, gs))
    assert len(a._buffers) == 2 and a._buffers[0]["dfdx"].shape == (3, 4)
    assert a._buffers[1]["dfdx"].shape == (3,)
    with pytest.raises(ValueError, match=r"SGD: expected 2 parameters \(as in the previous "
                                         r"steps\), got 1"):
        a.optimize([(ws[0], grads[0][0])])
    with pytest.raises(ValueError, match=r"SGD: expected parameter 1 of shape \(3,\) \(as in "
                                         r"the previous steps\), got \(4,\)"):
        a.optimize([(ws[0], grads[0][0]), (np.zeros(4), np.zeros(4))])
    with pytest.raises(ValueError, match=r"SGD: expected gradient 0 of shape \(3, 4\), got "
                                         r"\(4, 3\)"):
        a.optimize([(ws[0], np.zeros((4, 3))), (ws[1], grads[0][1])])
    assert a.clear_history()._buffers == [] and a.state["evalCounter"] == 2


@pytest.mark.parametrize("make,match", [
    (lambda: SGD(-1.0), r"SGD: expected learningrate in \[0.0, inf\], got -1.0"),
    (lambda: SGD(0.1, momentum=float("nan")), r"SGD: expected momentum in \[0.0, inf\], got nan"),
    (lambda: SGD(0.1, nesterov=True), "SGD: Nesterov momentum needs momentum > 0 and "
                                      "dampening=0, got momentum=0.0"),
    (lambda: SGD(0.1, momentum=0.9, nesterov=True), r"dampening=None \(None means equal "
                                                    r"to momentum\)"),
    (lambda: Adam(beta1=1.0), r"Adam: expected beta1 in \[0.0, 1.0\), got 1.0"),
    (lambda: Adam(epsilon=-1), r"Adam: expected epsilon in \[0.0, inf\], got -1.0"),
])
def test_bad_hyper_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_hyper_parameter_types():
    with pytest.raises(TypeError, match="SGD: expected learningrate to be a number, got '0.1'"):
        SGD("0.1")
    with pytest.raises(TypeError, match="SGD: expected nesterov to be a bool, got 1"):
        SGD(0.1, momentum=0.9, dampening=0.0, nesterov=1)


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x80\x04garbage")
    with pytest.raises(ValueError, match="OptimMethod.load: .* is not a bigdl_py optim_method "
                                         "file"):
        OptimMethod.load(bad)
    from bigdl_py.nn import ReLU
    ReLU().save_model(tmp_path / "model")
    with pytest.raises(ValueError, match=r"not a bigdl_py optim_method file \(format 'model'\)"):
        OptimMethod.load(tmp_path / "model")


# ---- triggers ----------------------------------------------------------------------------
def test_triggers():
    st = {"epoch": 3, "neval": 11, "epoch_end": False}
    assert MaxEpoch(2)(st) and not MaxEpoch(3)(st)
    assert MaxIteration(10)(st) and not MaxIteration(11)(st)
    assert not EveryEpoch()(st) and EveryEpoch()(dict(st, epoch_end=True))
    assert SeveralIteration(11)(st) and not SeveralIteration(5)(st)  # BigDL: neval % n
    ten = dict(st, neval=10)
    assert SeveralIteration(5)(ten) and SeveralIteration(2)(ten) and not SeveralIteration(3)(ten)
    assert not MaxScore(0.9)(st) and MaxScore(0.9)(dict(st, score=0.95))
    assert not MinLoss(0.1)(st) and MinLoss(0.1)(dict(st, Loss=0.05))
    assert TriggerOr(MaxEpoch(5), MaxIteration(10))(st)
    assert not TriggerAnd(MaxEpoch(5), MaxIteration(10))(st)
    assert repr(MaxEpoch(4)) == "MaxEpoch(4)"


def test_trigger_arguments_checked():
    with pytest.raises(ValueError, match="MaxEpoch: expected max_epoch >= 0, got -1"):
        MaxEpoch(-1)
    with pytest.raises(ValueError, match="SeveralIteration: expected interval >= 1, got 0"):
        SeveralIteration(0)
    with pytest.raises(TypeError, match="MaxIteration: expected max to be an int, got 2.5"):
        MaxIteration(2.5)
    with pytest.raises(TypeError, match="MaxEpoch: expected max_epoch to be an int, got '3'"):
        MaxEpoch("3")
    with pytest.raises(TypeError, match="TriggerAnd: expected Trigger objects, got int"):
        TriggerAnd(MaxEpoch(1), 3)
    with pytest.raises(TypeError, match="MinLoss: expected min to be a number, got 'x'"):
        MinLoss("x")


# ---- validation methods -----------------------------------------------------------------
OUT = np.array([[0.1, 0.5, 0.2, 0.0, 0.0, 0.2],
                [0.9, 0.0, 0.05, 0.05, 0.0, 0.0],
                [0.0, 0.1, 0.2, 0.3, 0.4, 0.0]])


def test_top1_top5():
    r = Top1Accuracy()(OUT, [2, 2, 5])
    assert r.result() == (2 / 3, 3)
    assert str(r) == f"Accuracy(correct: 2, count: 3, accuracy: {2 / 3})"
    row = [0.6, 0.1, 0.05, 0.15, 0.02, 0.08]  # label 3 is 5th largest, label 5 is 6th
    r5 = Top5Accuracy()(np.array([row, row]), np.array([[3], [5]], dtype=np.float32))
    assert r5.result() == (0.5, 2)
    total = Top1Accuracy()(OUT[:2], [2, 1]) + Top1Accuracy()(OUT[2:], [1])
    assert total.result() == (2 / 3, 3)
    assert Top5Accuracy()(OUT[:, :3], [3, 3, 3]).value == 1.0  # fewer than 5 classes


def test_loss_validation_is_sample_weighted():
    logp = np.log(np.array([[0.5, 0.5], [0.25, 0.75], [0.9, 0.1]]))
    labels = np.array([1, 2, 1])
    whole = ClassNLLCriterion().forward(logp, labels)
    parts = Loss()(logp[:2], labels[:2]) + Loss()(logp[2:], labels[2:])
    assert parts.count == 3 and parts.value == pytest.approx(whole)
    summed = Loss(ClassNLLCriterion(size_average=False))(logp, labels)
    assert summed.value == pytest.approx(whole)
    assert Loss(MSECriterion())(np.ones((2, 2)), np.zeros((2, 2))).value == 1.0
    with pytest.raises(TypeError, match="Loss: expected a criterion, got str"):
        Loss("nll")


def test_validation_shapes_checked():
    with pytest.raises(ValueError, match="Top1Accuracy: expected 3 labels, got 2"):
        Top1Accuracy()(OUT, [1, 2])
    with pytest.raises(ValueError, match=r"Top5Accuracy: expected output of shape \(N, C\) or "
                                         r"\(C,\), got \(1, 2, 3\)"):
        Top5Accuracy()(np.zeros((1, 2, 3)), [1])


@pytest.mark.parametrize("meta,match", [
    ({"class": "os.system"}, "unknown optim method 'os.system'"),
    ({"config": {"learningrate": "x"}}, "bad SGD configuration: SGD: expected learningrate"),
    ({"config": {"bogus": 1}}, "bad SGD configuration"),
    ({"state": {"epoch": -1, "neval": 1, "evalCounter": 0}}, "bad epoch"),
    ({"state": {"epoch": 1, "neval": 1, "evalCounter": 0, "x": [1]}}, "bad state values"),
    ({"buffers": [{"v": "a0"}]}, "bad buffer entry"),
    ({"buffers": [{"dfdx": "a7"}]}, "bad buffer entry"),
    ({"buffers": "x"}, "bad layout"),
])
def test_load_rejects_damaged_meta(tmp_path, meta, match):
    from bigdl_py._archive import write_archive
    good = {"format": "optim_method", "version": 1, "class": "SGD", "config": {},
            "state": {"epoch": 1, "neval": 1, "evalCounter": 0}, "buffers": []}
    good.update(meta)
    write_archive(tmp_path / "o", good, {"a0": np.zeros(2)}, True, "t")
    with pytest.raises(ValueError, match="OptimMethod.load: .*o is damaged: " + match):
        OptimMethod.load(tmp_path / "o")
