"""The package's one validation module (bigdl_py._validate) and its rule everywhere: a wrong
type is a TypeError, a wrong value a ValueError, "<Owner>: expected ..., got ..."."""
import numpy as np
import pytest

import bigdl_py
from bigdl_py import RNG, Tensor, _validate as v
from bigdl_py import lasagne, nn, optim
from bigdl_py.utils import Sample


# ---- the helpers ----------------------------------------------------------------------
@pytest.mark.parametrize("good", [0, 7, np.int64(7), np.uint8(7)])
def test_check_int_accepts_ints(good):
    out = v.check_int(good, "O", "n", 0, 7)
    assert out == int(good) and type(out) is int


@pytest.mark.parametrize("bad", [True, np.bool_(True), 1.0, "1", None, np.float32(1)])
def test_check_int_type(bad):
    with pytest.raises(TypeError, match="O: expected n to be an int, got "):
        v.check_int(bad, "O", "n")


@pytest.mark.parametrize("bad, minimum, maximum, match", [
    (-1, 0, None, "O: expected n >= 0, got -1"),
    (8, None, 7, "O: expected n <= 7, got 8"),
    (2 ** 64, 0, 2 ** 64 - 1, r"O: expected n in \[0, 2\*\*64 - 1\], got "),
])
def test_check_int_range(bad, minimum, maximum, match):
    with pytest.raises(ValueError, match=match):
        v.check_int(bad, "O", "n", minimum, maximum)


@pytest.mark.parametrize("bad", [True, np.bool_(False), "0.5", None, [0.5], 1j])
def test_bools_and_others_are_not_numbers(bad):
    with pytest.raises(TypeError, match="O: expected x to be a number, got "):
        v.check_number(bad, "O", "x")


def test_check_number_ranges_and_finiteness():
    assert v.check_number(np.float32(0.25), "O", "x", low=0, high=1) == 0.25
    assert v.check_number(float("inf"), "O", "x", finite=False) == float("inf")
    with pytest.raises(ValueError, match="O: expected x to be a finite number, got nan"):
        v.check_number(float("nan"), "O", "x")
    with pytest.raises(ValueError, match="O: expected x to be a finite number > 0, got 0.0"):
        v.check_number(0, "O", "x", low=0, low_open=True)
    with pytest.raises(ValueError, match=r"O: expected x in \[0, 1\), got 1.0"):
        v.check_number(1, "O", "x", low=0, high=1, high_open=True)
    with pytest.raises(ValueError, match=r"O: expected x in \[0, 1\], got nan"):
        v.check_probability(float("nan"), "O", "x")
    with pytest.raises(ValueError, match="O: expected x >= 0 and finite, got inf"):
        v.check_nonnegative(float("inf"), "O", "x")


def test_check_choice_bool_instance_and_tuples():
    assert v.check_choice("nhwc", "O", "data_format", ("NCHW", "NHWC")) == "NHWC"
    with pytest.raises(ValueError, match=r"O: expected f to be one of 'A', 'B' \(any case\), "
                                         "got 'C'"):
        v.check_choice("C", "O", "f", ("A", "B"))
    with pytest.raises(TypeError, match="O: expected f to be a string, one of 'A', 'B', got 1"):
        v.check_choice(1, "O", "f", ("A", "B"))
    assert v.check_bool(np.bool_(True), "O", "b") is True
    with pytest.raises(TypeError, match="O: expected b to be a bool, got 1"):
        v.check_bool(1, "O", "b")
    with pytest.raises(TypeError, match="O: expected r to be a Regularizer or None, got int"):
        v.check_instance(1, optim.Regularizer, "O", "r", allow_none=True)
    assert v.check_int_tuple([1, np.int32(2)], "O", "axes") == (1, 2)
    with pytest.raises(TypeError, match=r"O: expected axes to be a tuple of ints, got \(True,\)"):
        v.check_int_tuple((True,), "O", "axes")
    with pytest.raises(ValueError, match=r"O: expected axes to be a tuple of ints >= 1, got "
                                         r"\(0,\)"):
        v.check_int_tuple((0,), "O", "axes", 1)


def test_messages_name_arrays_by_type():
    with pytest.raises(TypeError, match="O: expected x to be a number, got ndarray$"):
        v.check_number(np.zeros(10 ** 3), "O", "x")


def test_old_import_path_is_the_same_module():
    from bigdl_py.nn import _validate as old
    assert old.check_int is v.check_int and old.to_array is v.to_array


# ---- inputs -----------------------------------------------------------------------------
@pytest.mark.parametrize("value", [[], [[]], [[], []], (), [[[]]]])
def test_empty_nested_lists_become_float32(value):
    x, kind = v.to_array(value, "O")
    assert x.dtype == np.float32 and kind == "ndarray" and x.shape == np.asarray(value).shape
    assert nn.ReLU().forward(value).dtype == np.float32
    assert Tensor(value).dtype == np.float32


def test_to_array_errors():
    with pytest.raises(ValueError, match="O: expected a rectangular nested list as input"):
        v.to_array([[1.0], [1.0, 2.0]], "O")
    with pytest.raises(TypeError, match="O: expected a Tensor, ndarray or nested list as input, "
                                        "got str"):
        v.to_array("abc", "O")
    with pytest.raises(TypeError, match="O: expected a real numeric input, got dtype complex"):
        v.to_array(np.zeros(2, complex), "O")


def test_to_array_takes_tensors():
    t = Tensor(2, 3, dtype="float64")
    x, kind = v.to_array(t, "O")
    assert kind == "tensor" and np.shares_memory(x, t.numpy())


# ---- the same rule in every subpackage -------------------------------------------------
WRONG_TYPE = [
    lambda: nn.Dropout(True), lambda: nn.Linear("3", 2), lambda: nn.Linear(3, 2, with_bias=1),
    lambda: nn.ReLU(ip=1), lambda: nn.SpatialDropout2D(0.5, None),
    lambda: nn.GaussianNoise(np.bool_(True)), lambda: nn.RandomNormal(0, "1"),
    lambda: optim.SGD(learningrate=True), lambda: optim.Adam(beta1="0.9"),
    lambda: optim.MaxEpoch("3"), lambda: optim.SeveralIteration(2.0),
    lambda: optim.MinLoss(False), lambda: optim.L2Regularizer(True),
    lambda: lasagne.layers.DropoutLayer((None, 3), p="0.5"),
    lambda: lasagne.layers.DenseLayer((None, 3), num_units=2.0),
    lambda: lasagne.nonlinearities.LeakyRectify(True),
    lambda: lasagne.init.Constant("1")((2,)),
    lambda: RNG.set_seed("3"), lambda: RNG.set_algorithm(1),
    lambda: bigdl_py.set_num_threads("2"), lambda: Sample.from_ndarray("abc", 1),
    lambda: Tensor(2).fill(True), lambda: Tensor(2).mul(np.bool_(True)),
    lambda: Tensor(2).add(True), lambda: nn.ReLU().predict(np.ones((2, 2)), batch_size=True),
]

WRONG_VALUE = [
    lambda: nn.Dropout(1.5), lambda: nn.Linear(0, 2), lambda: nn.SpatialDropout2D(0.5, "NCWH"),
    lambda: nn.GaussianNoise(float("nan")), lambda: optim.SGD(learningrate=-1),
    lambda: optim.Adam(beta1=1.0), lambda: optim.MaxEpoch(-1), lambda: optim.L2Regularizer(-1),
    lambda: lasagne.layers.DropoutLayer((None, 3), p=2.0),
    lambda: lasagne.nonlinearities.LeakyRectify(float("nan")),
    lambda: lasagne.init.Constant(float("nan"))((2,)),
    lambda: RNG.set_seed(-1), lambda: RNG.set_algorithm("pcg64"),
    lambda: bigdl_py.set_num_threads(0),
    lambda: nn.Linear(2, 2).set_scale_w(float("nan")),
    lambda: nn.Sequential(nn.Linear(2, 2)).update_parameters(float("inf")),
]


@pytest.mark.parametrize("call", WRONG_TYPE)
def test_a_wrong_type_is_a_type_error(call):
    with pytest.raises(TypeError, match=r"^\S+: expected .*, got "):
        call()


@pytest.mark.parametrize("call", WRONG_VALUE)
def test_a_wrong_value_is_a_value_error(call):
    state = RNG.get_seed(), RNG.algorithm()
    with pytest.raises(ValueError, match=r"^\S+: expected .*, got "):
        call()
    assert (RNG.get_seed(), RNG.algorithm()) == state


def test_rejected_rate_changes_nothing():
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    before = [w.copy() for w in m.get_weights()]
    for _, g in m._param_pairs():
        g.fill(1)
    with pytest.raises(ValueError, match="Sequential: expected learning_rate to be a finite"):
        m.update_parameters(float("nan"))
    with pytest.raises(ValueError, match="Sequential: expected scale_w to be a finite"):
        m.set_scale_w(float("inf"))
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))
    assert all(c._scale_w == 1.0 for c in m.modules)


# ---- checks folded onto this module (one rule: TypeError for types, ValueError for values)
FOLDED = [
    (lambda: nn.SpatialConvolution(1, 1, 1, 1, data_format=None), TypeError,
     "SpatialConvolution: expected data_format to be a string, one of 'NCHW', 'NHWC', got "
     "None"),
    (lambda: nn.BatchNormalization(2, momentum="0.1"), TypeError,
     "BatchNormalization: expected momentum to be a number, got '0.1'"),
    (lambda: nn.BatchNormalization(2, momentum=1.5), ValueError,
     r"BatchNormalization: expected momentum in \[0.0, 1.0\], got 1.5"),
    (lambda: nn.BatchNormalization(2, eps=True), TypeError,
     "BatchNormalization: expected eps to be a number, got True"),
    (lambda: nn.Linear(2, 2).set_weights(np.zeros((2, 2))), TypeError,
     "Linear: expected a list of 2 arrays, got ndarray"),
    (lambda: nn.criterion.ParallelCriterion().add(nn.criterion.MSECriterion(), "1"), TypeError,
     "ParallelCriterion: expected weight to be a number, got '1'"),
    (lambda: nn.criterion.ParallelCriterion().add(nn.criterion.MSECriterion(), float("inf")),
     ValueError, "ParallelCriterion: expected weight to be a finite number, got inf"),
    (lambda: nn.CMul([2], wRegularizer=1), TypeError,
     "CMul: expected wRegularizer to be a Regularizer or None, got int"),
    (lambda: nn.BatchNormalization(2).set_init_method("ones"), TypeError,
     "BatchNormalization: expected weight_init to be an InitializationMethod or None, got "
     "str"),
    (lambda: Tensor(2, dtype=np.int8), ValueError,
     "Tensor: expected dtype 'float32' or 'float64', got "),
]


@pytest.mark.parametrize("call, exc, match", FOLDED)
def test_folded_checks(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_check_sequence():
    assert v.check_sequence((1, 2), 2, "O", "a pair") == (1, 2)
    with pytest.raises(TypeError, match="O: expected a pair, got ndarray"):
        v.check_sequence(np.zeros(2), 2, "O", "a pair")
    with pytest.raises(TypeError, match="O: expected a list of 2, got tuple"):
        v.check_sequence((1, 2), 2, "O", "a list of 2", list)
    with pytest.raises(ValueError, match="O: expected a pair, got a list of 3"):
        v.check_sequence([1, 2, 3], 2, "O", "a pair")
