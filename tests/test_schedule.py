"""Learning-rate schedules (FRAMEWORK.md §5.2-§5.4): BigDL's recorded rates per iteration,
SequentialSchedule, Plateau driven as BigDL's DistriOptimizer drives it and inside the
local Optimizer, persistence and argument errors."""
import numpy as np
import pytest

from bigdl_py.nn import Linear
from bigdl_py.nn.criterion import MSECriterion
from bigdl_py.optim import (SGD, Default, Exponential, MaxIteration, MultiStep, NaturalExp,
                            OptimMethod, Optimizer, Plateau, Poly, SequentialSchedule, Step,
                            TrainSummary, Warmup)


def _rates(sgd, k, losses=None):
    """|rate| of k steps of ``sgd`` (full batch: epoch = iteration, as BigDL's runs);
    ``losses[i]`` is the training loss of iteration i+1 (what the optimizer records)."""
    w, g, out = np.zeros(2), np.zeros(2), []
    for i in range(k):
        sgd.state["epoch"] = i + 1
        if losses is not None and i > 0:
            sgd.state["Loss"] = losses[i - 1]
        sgd.optimize([(w, g)])
        out.append(sgd.get_learning_rate())
    return out


RECORDED = [  # FRAMEWORK.md §5.2 [run]: |rate| per iteration 1..6
    (dict(learningrate=0.2, learningrate_decay=0.5), None,
     [.2, .1333, .1, .08, .0667, .0571]),
    (dict(learningrate=0.2), Poly(0.5, 4), [.2, .1732, .1414, .1, 0, 0]),
    (dict(learningrate=0.2), Step(2, 0.5), [.2, .2, .1, .1, .05, .05]),
    (dict(learningrate=0.2), MultiStep([2, 4], 0.3), [.2, .2, .06, .06, .018, .018]),
    (dict(learningrate=0.2), Exponential(2, 0.5), [.2, .1414, .1, .0707, .05, .0354]),
    (dict(learningrate=0.2), Exponential(2, 0.5, stair_case=True), [.2, .2, .1, .1, .05, .05]),
    (dict(learningrate=0.2), NaturalExp(2, 0.7), [.2, .2, .0993, .0993, .0493, .0493]),
    (dict(learningrate=0.05), Warmup(0.05), [.05, .1, .15, .2, .25, .3]),
    (dict(learningrate=0.05),
     SequentialSchedule(5).add(Warmup(0.05), 3).add(Poly(0.5, 6), 10),
     [.05, .1, .15, .2, .1155, .0816]),
]


@pytest.mark.parametrize("kw, schedule, expected", RECORDED,
                         ids=[type(r[1]).__name__ for r in RECORDED])
def test_recorded_rates(kw, schedule, expected):
    sgd = SGD(**kw, leaningrate_schedule=schedule)
    assert _rates(sgd, 6) == pytest.approx(expected, abs=5e-5)
    assert sgd.state["evalCounter"] == 6


def test_only_default_reads_learningrate_decay():
    a = _rates(SGD(0.2, learningrate_decay=0.5, leaningrate_schedule=Step(2, 0.5)), 4)
    assert a == pytest.approx([.2, .2, .1, .1])
    b = _rates(SGD(0.2, learningrate_decay=0.5, learningrate_schedule=Default()), 2)
    assert b == pytest.approx([.2, .2 / 1.5])


def test_schedule_drives_the_update_with_momentum():
    """The rate of step k (n = k - 1) multiplies that step's momentum-filtered gradient."""
    w, g = np.array([1.0]), np.array([0.5])
    sgd = SGD(0.2, momentum=0.5, dampening=0.0, leaningrate_schedule=Step(1, 0.5))
    sgd.optimize([(w, g)])  # v = g, rate .2
    sgd.optimize([(w, g)])  # v = .5 v + g = .75, rate .1
    assert w[0] == pytest.approx(1 - 0.2 * 0.5 - 0.1 * 0.75)


def test_sequential_schedule_bookkeeping():
    s = SequentialSchedule(2).add(Warmup(0.1), 3).add(Step(1, 0.5), 4)
    assert [(c.exclude_iterations, c.max_iterations, c.exclude_epochs) for c in s.schedules] \
        == [(0, 3, 0), (3, 7, 1)]
    sgd = SGD(0.1, leaningrate_schedule=s)
    # Warmup runs n = 0..3 (m + 1 steps), then Step from base .4 with n - 3
    assert _rates(sgd, 7) == pytest.approx([.1, .2, .3, .4, .2, .1, .05])
    assert sgd.learningrate == pytest.approx(0.4)  # the last rate became the base


PLATEAU_RUNS = [  # FRAMEWORK.md §5.4 [run]; the loss improves every iteration
    (dict(factor=.5, patience=1, mode="max"), [.2, .2, .2, .1, .05, .025, .0125]),
    (dict(factor=.5, patience=2, mode="min", epsilon=100, cooldown=1, min_lr=.03),
     [.2, .2, .2, .2, .1, .1, .1, .05, .05]),
    (dict(factor=.5, patience=1, mode="max", cooldown=1, min_lr=.03),
     [.2, .2, .2, .1, .1, .05, .05, .03, .03, .03]),
    (dict(factor=.5, patience=1, mode="min"), [.2] * 6),
]


@pytest.mark.parametrize("kw, expected", PLATEAU_RUNS)
def test_plateau_recorded_runs(kw, expected):
    losses = [1.0 / (i + 1) for i in range(len(expected))]
    sgd = SGD(0.2, leaningrate_schedule=Plateau("Loss", **kw))
    got = _rates(sgd, len(expected), losses)
    assert got == pytest.approx(expected, rel=1e-6)
    assert sgd.state["evalCounter"] == 0  # Plateau does not count steps (BigDL)


def test_plateau_min_lr_is_a_float32():
    got = _rates(SGD(0.2, leaningrate_schedule=Plateau("Loss", .5, 1, "max", min_lr=.03)), 9,
                 [1.0 / (i + 1) for i in range(9)])
    assert got[-1] == float(np.float32(0.03)) == 0.029999999329447746


def test_plateau_in_the_local_optimizer_reacts_to_the_loss(tmp_path):
    """BigDL's LocalOptimizer crashes on Plateau; here it is fed the previous iteration's
    loss, which decreases on this regression, so mode="max" cuts the rate."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 3))
    y = X @ np.array([1.0, -1.0, 2.0])
    model = Linear(3, 1, dtype="float64").set_weights([np.zeros((1, 3)), np.zeros(1)])
    sgd = SGD(0.2, leaningrate_schedule=Plateau("Loss", factor=.5, patience=1, mode="max"))
    summary = TrainSummary(str(tmp_path), "plateau")
    summary.set_summary_trigger("LearningRate", MaxIteration(0))  # MaxIteration(0): always
    opt = Optimizer.create(model, (X, y), MSECriterion(), MaxIteration(7), 16, sgd)
    opt.set_train_summary(summary).optimize()
    rates = [r[1] for r in summary.read_scalar("LearningRate")]
    assert rates == pytest.approx([.2, .2, .2, .1, .05, .025, .0125], rel=1e-6)
    losses = [r[1] for r in summary.read_scalar("Loss")]
    assert all(a > b for a, b in zip(losses, losses[1:]))


@pytest.mark.parametrize("schedule", [Step(2, 0.5), Plateau("Loss", .5, 1, "max"),
                                      SequentialSchedule(2).add(Warmup(.1), 2).add(Poly(1, 9),
                                                                                    5)])
def test_schedule_state_is_saved_and_loaded(schedule, tmp_path):
    losses = [1.0 / (i + 1) for i in range(10)]
    a = SGD(0.2, leaningrate_schedule=schedule)
    first = _rates(a, 4, losses)
    a.save(tmp_path / "sgd")
    b = OptimMethod.load(tmp_path / "sgd")
    assert type(b.leaningrate_schedule) is type(schedule)

    def rest(m):
        w, g, out = np.zeros(2), np.zeros(2), []
        for i in range(4, 10):
            m.state["epoch"], m.state["Loss"] = i + 1, losses[i - 1]
            m.optimize([(w, g)])
            out.append(m.get_learning_rate())
        return out
    assert rest(b) == rest(a) and len(first) == 4


@pytest.mark.parametrize("make, exc, match", [
    (lambda: Plateau("Loss", factor=1.0), ValueError, "Plateau does not support a factor"),
    (lambda: Plateau("Loss", mode="avg"), ValueError, "mode is unknown, please use min | max"),
    (lambda: Plateau("loss"), ValueError, "Plateau: expected monitor 'Loss' or 'score'"),
    (lambda: Plateau(1), TypeError, "Plateau: expected monitor to be a str, got int"),
    (lambda: Plateau("Loss", mode=None), TypeError, "Plateau: expected mode to be a str"),
    (lambda: Plateau("Loss", factor="0.5"), TypeError, "Plateau: expected factor to be a "
     "number, got '0.5'"),
    (lambda: Plateau("Loss", factor=-0.5), ValueError, "Plateau: expected factor to be a "
     "finite number >= 0.0, got -0.5"),
    (lambda: Plateau("Loss", patience=1.0), TypeError, "Plateau: expected patience to be an "
     "int, got 1.0"),
    (lambda: Plateau("Loss", cooldown=-1), ValueError, "Plateau: expected cooldown >= 0, "
     "got -1"),
    (lambda: Plateau("Loss", min_lr=float("nan")), ValueError, "Plateau: expected min_lr to "
     "be a finite number >= 0.0, got nan"),
    (lambda: Step(0, 0.5), ValueError, "Step: expected step_size >= 1, got 0"),
    (lambda: Step(2.0, 0.5), TypeError, "Step: expected step_size to be an int, got 2.0"),
    (lambda: Step(True, 0.5), TypeError, "Step: expected step_size to be an int, got True"),
    (lambda: Step(2, float("inf")), ValueError, "Step: expected gamma to be a finite number, "
     "got inf"),
    (lambda: Poly("1", 3), TypeError, "Poly: expected power to be a number, got '1'"),
    (lambda: Poly(0.5, "3"), TypeError, "Poly: expected max_iteration to be an int, got '3'"),
    (lambda: Poly(0.5, 0), ValueError, "Poly: expected max_iteration >= 1, got 0"),
    (lambda: MultiStep([4, 2], 0.1), ValueError, r"MultiStep: expected increasing "
     r"step_sizes, got \[4, 2\]"),
    (lambda: MultiStep([], 0.1), ValueError, r"MultiStep: expected step_sizes to be a "
     r"non-empty tuple of ints, got \(\)"),
    (lambda: MultiStep(4, 0.1), TypeError, "MultiStep: expected step_sizes to be a tuple of "
     "ints, got 4"),
    (lambda: MultiStep([2, 4.0], 0.1), TypeError, "MultiStep: expected step_sizes to be a "
     "tuple of ints"),
    (lambda: MultiStep([-1, 4], 0.1), ValueError, "MultiStep: expected step_sizes to be a "
     "tuple of ints >= 0"),
    (lambda: MultiStep([2, 4], None), TypeError, "MultiStep: expected gamma to be a number"),
    (lambda: Exponential(2, 0.5, 1), TypeError, "Exponential: expected stair_case to be a "
     "bool, got 1"),
    (lambda: Exponential(-2, 0.5), ValueError, "Exponential: expected decay_step >= 1"),
    (lambda: Exponential(2, "0.5"), TypeError, "Exponential: expected decay_rate to be a "
     "number"),
    (lambda: NaturalExp(np.float64(2), 0.7), TypeError, "NaturalExp: expected decay_step to "
     "be an int"),
    (lambda: NaturalExp(2, float("nan")), ValueError, "NaturalExp: expected gamma to be a "
     "finite number, got nan"),
    (lambda: Warmup(True), TypeError, "Warmup: expected delta to be a number, got True"),
    (lambda: Warmup(float("-inf")), ValueError, "Warmup: expected delta to be a finite "
     "number, got -inf"),
    (lambda: SequentialSchedule("5"), TypeError, "SequentialSchedule: expected "
     "iteration_per_epoch to be an int, got '5'"),
    (lambda: SequentialSchedule(0), ValueError, "SequentialSchedule: expected "
     "iteration_per_epoch >= 1, got 0"),
    (lambda: SequentialSchedule(2).add(Step(1, 1.0), -1), ValueError,
     "SequentialSchedule.add: expected max_iteration >= 0, got -1"),
    (lambda: SequentialSchedule(2).add(Step(1, 1.0), 1.5), TypeError,
     "SequentialSchedule.add: expected max_iteration to be an int, got 1.5"),
    (lambda: SequentialSchedule(2).add(SGD(), 1), TypeError, "expected a learning-rate"),
    (lambda: SGD(leaningrate_schedule=Step(1, 1.0), learningrate_schedule=Step(1, 1.0)),
     TypeError, "SGD: expected one of leaningrate_schedule"),
    (lambda: SGD(leaningrate_schedule="step"), TypeError, "SGD: expected a learning-rate"),
])
def test_schedule_argument_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_empty_sequential_schedule_fails_at_the_first_step():
    sgd = SGD(0.1, leaningrate_schedule=SequentialSchedule(1))
    w = np.zeros(1)
    with pytest.raises(RuntimeError, match="SequentialSchedule: expected at least one"):
        sgd.optimize([(w, w.copy())])


def test_plateau_monitors_the_validation_score():
    """monitor="score": the first validation method's last result (0 before any
    validation).  The validation loss falls every epoch, so with mode="max" it never
    improves after the first decision and the rate is cut after ``patience``."""
    from bigdl_py.nn import LogSoftMax, Sequential
    from bigdl_py.nn.criterion import ClassNLLCriterion
    from bigdl_py.optim import EveryEpoch, Loss
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 3))
    y = (X[:, 0] > 0) + 1.0
    model = Sequential(Linear(3, 2, dtype="float64"), LogSoftMax())
    sgd = SGD(0.2, leaningrate_schedule=Plateau("score", factor=.5, patience=1, mode="max"))
    opt = Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxIteration(1), 8, sgd)
    opt.set_validation(8, (X, y), EveryEpoch(), [Loss()])
    rates, scores = [], []
    for k in range(1, 7):
        opt.set_end_when(MaxIteration(k)).optimize()
        rates.append(sgd.get_learning_rate())
        scores.append(sgd.state["score"])
    assert all(a > b for a, b in zip(scores, scores[1:]))
    # iteration 2 sets best; 3 waits; 4, 5, 6 cut (patience 1, no cooldown)
    assert rates == pytest.approx([.2, .2, .2, .1, .05, .025])


@pytest.mark.parametrize("saved", [
    {"class": "os.system", "config": {}, "state": {}},
    {"class": "Step", "config": {"step_size": 1, "gamma": 0.5}, "state": {"current_rate": "x"}},
    {"class": "Step", "config": {"step_size": 1, "gamma": 0.5}, "state": {"bogus": 1}},
    {"class": "SequentialSchedule", "config": {"iteration_per_epoch": 1},
     "state": {"current": 3}, "children": []},
])
def test_damaged_saved_schedule_is_a_value_error(saved, tmp_path):
    from bigdl_py._archive import write_archive
    meta = {"format": "optim_method", "version": 1, "class": "SGD",
            "config": {"leaningrate_schedule": saved},
            "state": {"epoch": 1, "neval": 1, "evalCounter": 0}, "buffers": []}
    write_archive(tmp_path / "o", meta, {}, True, "t")
    with pytest.raises(ValueError, match="bad SGD configuration: LearningRateSchedule"):
        OptimMethod.load(tmp_path / "o")
