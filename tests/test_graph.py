"""Graphs: Input, node calls, Model -- FRAMEWORK.md §1's examples as known answers
(float32), gradient sums at shared nodes, a residual graph's gradient check (float64),
every construction error, str() forms, persistence, and training in the local Optimizer."""
import json
import re

import numpy as np
import pytest
from gradcheck import check_table_grads

from bigdl_py import Tensor
from bigdl_py._archive import read_archive, write_archive
from bigdl_py.nn import (CAdd, CAddTable, CMul, ConcatTable, Dropout, FlattenTable, Identity,
                         Input, JoinTable, Linear, Model, Node, ReLU, SelectTable, Sequential,
                         Tanh)
from bigdl_py.nn.criterion import MSECriterion
from bigdl_py.optim import SGD, L2Regularizer, MaxEpoch, Optimizer


def _lin(i, o, name, w, b, dtype="float32"):
    return Linear(i, o, dtype=dtype).set_name(name).set_weights([np.array(w), np.array(b)])


# ---- FRAMEWORK.md §1/§2 examples, exact in float32 -------------------------------------------
def test_two_branch_cadd_table():
    x = Input()
    a = _lin(2, 2, "a", [[1, 0], [0, 1]], [1, 1])(x)
    b = _lin(2, 2, "b", [[0, 1], [1, 0]], [0, 0])(x)
    net = Model(x, CAddTable().set_name("add")([a, b]))
    X = np.array([[1, 2]], np.float32)
    y = net.forward(X)
    assert y.dtype == np.float32 and y.tolist() == [[4, 4]]
    net.zero_grad_parameters()
    gi = net.backward(X, np.array([[1, 2]], np.float32))
    assert gi.tolist() == [[3, 3]]  # the input feeds both branches: their sum
    p = net.parameters()
    assert list(p) == ["a", "b"]
    assert p["a"]["gradWeight"].tolist() == [[1, 2], [2, 4]]
    assert p["b"]["gradBias"].tolist() == [1, 2]


def test_two_inputs_joined():
    x1, x2 = Input(), Input()
    j = JoinTable(1, 1)([x1, x2])
    net = Model([x1, x2], _lin(3, 1, "fc", [[1, 2, 3]], [0.5])(j))
    X1, X2 = np.array([[1]], np.float32), np.array([[2, 3]], np.float32)
    assert net.forward([X1, X2]).tolist() == [[14.5]]
    g1, g2 = net.backward([X1, X2], np.array([[2]], np.float32))
    assert g1.tolist() == [[2]] and g2.tolist() == [[4, 6]]


def test_shared_input_used_twice():
    x = Input()
    net = Model(x, CAddTable()([x, x]))  # an Input used twice by one node
    X = np.array([[1, -2]], np.float32)
    assert net.forward(X).tolist() == [[2, -4]]
    assert net.backward(X, np.array([[1, 3]], np.float32)).tolist() == [[2, 6]]
    two = Model(x, [Identity()(x), Tanh()(x)])  # ... and by two output branches
    y = two.forward(X)
    assert isinstance(y, list) and y[0].tolist() == [[1, -2]]
    g = two.backward(X, [np.ones((1, 2), np.float32), np.ones((1, 2), np.float32)])
    np.testing.assert_allclose(g, 1 + (1 - np.tanh(X) ** 2), rtol=1e-6)


def test_nested_concat_table_flattened_then_selected():
    a = _lin(2, 1, "a", [[1, 1]], [0])
    b = _lin(2, 1, "b", [[1, -1]], [0])
    c = _lin(2, 2, "c", [[2, 0], [0, 2]], [0, 0])
    x = Input()
    ct = ConcatTable(a, ConcatTable(b, c))(x)  # {a, {b, c}}
    flat = FlattenTable()(ct)  # {a, b, c}
    net = Model(x, [SelectTable(3)(flat), SelectTable(1)(flat)])
    X = np.array([[3, 4]], np.float32)
    y3, y1 = net.forward(X)
    assert y3.tolist() == [[6, 8]] and y1.tolist() == [[7]]
    gi = net.backward(X, [np.ones((1, 2), np.float32), np.ones((1, 1), np.float32)])
    assert gi.tolist() == [[3, 3]]
    only_ct = Model(x, ct)  # a node whose output is a table, as the only output: a list
    out = only_ct.forward(X)
    assert isinstance(out, list) and isinstance(out[1], list)


# ---- gradient checks -------------------------------------------------------------------------
def _residual(dtype="float64"):
    x = Input()
    h = Linear(3, 4, dtype=dtype).set_name("fc1")(x)
    h = Tanh().set_name("t")(h)
    h = Linear(4, 3, dtype=dtype).set_name("fc2")(h)
    r = CAddTable().set_name("res")([h, x])
    return Model(x, ReLU().set_name("out")(r)).set_name("resnet")


def test_residual_graph_gradcheck():
    check_table_grads(_residual(), np.random.default_rng(0).standard_normal((5, 3)) + 3.0)


def test_multi_input_multi_output_gradcheck():
    x1, x2 = Input(), Input()
    a = Linear(3, 2, dtype="float64").set_name("a")(x1)
    b = Linear(2, 2, dtype="float64").set_name("b")(x2)
    s = CAddTable()([a, b, a])
    j = JoinTable(1, 1)([Tanh()(s), x2])
    net = Model([x1, x2], [j, s, a])
    rng = np.random.default_rng(1)
    check_table_grads(net, [rng.standard_normal((4, 3)), rng.standard_normal((4, 2))])


def test_graph_inside_sequential_and_table_layers():
    inner = _residual()
    seq = Sequential(ConcatTable(inner, Identity()), CAddTable(), Tanh())
    check_table_grads(seq, np.random.default_rng(2).standard_normal((2, 3)))


# ---- module API ------------------------------------------------------------------------------
def test_names_str_mode_and_parameters():
    net = _residual()
    assert str(net) == "StaticGraph[resnet]" and repr(net) == "StaticGraph[resnet]"
    anon = Model(net.inputs, net.outputs)
    assert str(anon) == f"StaticGraph[{anon._hex}]" and anon.name() == f"StaticGraph{anon._hex}"
    x = Input()
    assert re.fullmatch(r"Input[0-9a-f]{8}", x.element().name())
    assert str(x.element()) == f"Input[{x.element()._hex}]" and repr(x).startswith("Node(Input[")
    assert list(net.parameters()) == ["fc1", "fc2"]
    assert [w.shape for w in net.get_weights()] == [(4, 3), (4,), (3, 4), (3,)]
    assert net.evaluate() is net and not any(m.is_training() for m in net.modules)
    assert net.training() is net and all(m.is_training() for m in net.modules)
    assert net.node("fc1").element() is net.modules[1]
    with pytest.raises(ValueError, match="Model: expected the name of a node, got 'nope'"):
        net.node("nope")
    w = [a.copy() for a in net.get_weights()]
    X = np.ones((2, 3))
    net.forward(X)
    net.zero_grad_parameters().backward(X, np.ones((2, 3)))
    net.update_parameters(0.1)
    assert not np.array_equal(w[0], net.get_weights()[0])
    with pytest.raises(RuntimeError, match="Model: a graph's nodes are fixed"):
        net.add(Tanh())


def test_tensor_io_and_predict():
    x1, x2 = Input(), Input()
    net = Model([x1, x2], CAddTable()([Tanh()(x1), x2]))
    t = net.forward([Tensor(np.zeros((2, 2), np.float32)), Tensor(np.ones((2, 2), np.float32))])
    assert isinstance(t, Tensor) and t.numpy().tolist() == [[1, 1], [1, 1]]
    X1, X2 = np.zeros((5, 2), np.float32), np.ones((5, 2), np.float32)
    p = net.predict([X1, X2], batch_size=2)
    assert p.shape == (5, 2) and np.all(p == 1) and net.is_training()
    two = Model(x1, [Tanh()(x1), Identity()(x1)])
    p2 = two.predict(X2, batch_size=3)
    assert isinstance(p2, list) and p2[1].shape == (5, 2)


def test_run_errors():
    net = _residual()
    with pytest.raises(RuntimeError, match="Model: expected forward before backward"):
        net.backward(np.ones((1, 3)), np.ones((1, 3)))
    g = net.evaluate().backward(np.ones((1, 3)), np.ones((1, 3)))  # evaluation: defined
    assert g.shape == (1, 3)
    with pytest.raises(ValueError, match=re.escape(
            "Model: node fc1 failed in forward: Linear: expected")):
        net.forward(np.ones((1, 4)))
    x1, x2 = Input(), Input()
    two = Model([x1, x2], CAddTable()([x1, x2]))
    with pytest.raises(ValueError, match="Model: expected a table of 2 inputs .one per graph "
                                         "input., got a list of 3"):
        two.forward([np.ones(2)] * 3)
    with pytest.raises(TypeError, match="Model: expected a table .a list of arrays. as "
                                        "input, got ndarray"):
        two.forward(np.ones(2))
    y = Model(x1, [Tanh()(x1), Identity()(x1)])
    y.forward(np.ones(2))
    with pytest.raises(ValueError, match="Model: expected a table of 2 elements as "
                                         "grad_output"):
        y.backward(np.ones(2), [np.ones(2)])
    with pytest.raises(TypeError, match="Model: expected a table of 2 elements as "
                                        "grad_output .like the output., got ndarray"):
        y.backward(np.ones(2), np.ones(2))


# ---- construction errors (ValueError naming the node) ----------------------------------------
def test_input_that_reaches_no_output():
    x1, x2 = Input(), Input()
    with pytest.raises(ValueError, match=f"input {x2.element().name()} that reaches none"):
        Model([x1, x2], Tanh()(x1))


def test_root_not_listed_as_input():
    x1, x2 = Input(), Input()
    out = CAddTable()([Tanh()(x1), Tanh()(x2)])
    with pytest.raises(ValueError, match=f"listed as an input, got root {x2.element().name()}"):
        Model(x1, out)
    orphan = Linear(2, 2).set_name("orphan")()  # a module called on nothing is a root
    with pytest.raises(ValueError, match="got root orphan that is not"):
        Model(x1, CAddTable()([Tanh()(x1), orphan]))
    assert Model([x1, orphan], CAddTable()([x1, orphan])).forward(
        [np.ones(2), np.ones(2)]).shape == (2,)


def test_listed_input_that_is_not_a_root():
    x = Input()
    h = Tanh().set_name("h")(x)
    with pytest.raises(ValueError, match=r"got input h with predecessors \(Input"):
        Model(h, ReLU()(h))


def test_duplicate_names():
    x = Input()
    lin = Linear(2, 2).set_name("fc")
    with pytest.raises(ValueError, match=r"expected unique node names, got fc twice \(one "
                                         r"module called twice\)"):
        Model(x, lin(lin(x)))
    with pytest.raises(ValueError, match=r"got dup twice$"):
        Model(x, Tanh().set_name("dup")(ReLU().set_name("dup")(x)))
    with pytest.raises(ValueError, match="expected distinct inputs, got Input"):
        Model([x, x], Tanh()(x))
    inner = Tanh().set_name("in")
    with pytest.raises(ValueError, match="expected each module once in the graph, got in "
                                         "inside s1 and s2"):
        Model(x, Sequential(inner).set_name("s2")(Sequential(inner).set_name("s1")(x)))


def test_cycle():
    x = Input()
    a = Tanh().set_name("a")(x)
    b = Tanh().set_name("b")(a)
    a.prev.append(b)  # the Python API cannot make one; BigDL's JVM Node.add can
    with pytest.raises(ValueError, match="expected an acyclic graph, got a cycle through "):
        Model(x, b)


def test_type_errors():
    with pytest.raises(TypeError, match="Model: expected a Node or a non-empty list of Nodes "
                                        "as inputs"):
        Model([], Input())
    with pytest.raises(TypeError, match="Model: expected a Node or a non-empty list of Nodes "
                                        "as outputs, got"):
        Model(Input(), Tanh())
    with pytest.raises(TypeError, match="Tanh: expected a Node or a list of Nodes to call the "
                                        "module on, got ndarray"):
        Tanh()(np.zeros(2))
    with pytest.raises(TypeError, match="Node: expected a bigdl_py Module, got int"):
        Node(3)
    assert isinstance(Input("double"), Node)  # BigDL's bigdl_type argument
    with pytest.raises(ValueError, match="expected bigdl_type 'float' or 'double', got 'half'"):
        Input(bigdl_type="half")


# ---- persistence -----------------------------------------------------------------------------
def _two_by_two():
    x1, x2 = Input(), Input()
    a = Linear(3, 2).set_name("a")(x1)
    b = Linear(2, 2).set_name("b")(x2)
    s = CAddTable().set_name("add")([a, b])
    d = Dropout(0.3).set_name("drop")(s)
    return Model([x1, x2], [d, JoinTable(1, 1).set_name("join")([s, x2])]).set_name("net")


def test_round_trip_two_inputs_two_outputs(tmp_path):
    net = _two_by_two()
    net.node("drop").element().evaluate()  # mixed modes survive
    net.save_model(tmp_path / "g")
    r = Model.load_model(tmp_path / "g")
    assert type(r) is Model and str(r) == "StaticGraph[net]"
    assert [m.name() for m in r.modules] == [m.name() for m in net.modules]
    assert [m.is_training() for m in r.modules] == [m.is_training() for m in net.modules]
    assert [str(m) for m in r.modules] == [str(m) for m in net.modules]
    X = [np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32),
         np.ones((4, 2), np.float32)]
    for u, v in zip(r.forward(X), net.forward(X)):
        np.testing.assert_array_equal(u, v)
    assert [n.element().name() for n in r.inputs] == [n.element().name() for n in net.inputs]
    seq = Sequential(net, SelectTable(2)).set_name("outer")  # a graph nested in a container
    seq.save_model(tmp_path / "s")
    r2 = Model.load_model(tmp_path / "s")
    np.testing.assert_array_equal(r2.forward(X), seq.forward(X))


@pytest.mark.parametrize("edit, what", [
    (lambda g: g["prev"].__setitem__(0, [3]), "expected graph edges to earlier nodes"),
    (lambda g: g.__setitem__("outputs", []), "expected graph inputs and outputs as node"),
    (lambda g: g.__setitem__("inputs", [0]), "cannot rebuild Model: ValueError: Model: "
                                             "expected every root"),
])
def test_damaged_topology_is_value_error(tmp_path, edit, what):
    _two_by_two().save_model(tmp_path / "g")
    meta, arrays = read_archive(tmp_path / "g", "model", "test")
    edit(meta["root"]["config"])  # the topology is the graph's configuration
    write_archive(tmp_path / "bad", meta, arrays, False, "test")
    with pytest.raises(ValueError, match=what):
        Model.load_model(tmp_path / "bad")
    json.dumps(meta)  # still plain JSON: nothing but data in the file


# ---- training --------------------------------------------------------------------------------
def test_local_optimizer_trains_a_two_input_graph_like_the_sequential():
    rng = np.random.default_rng(4)
    X1, X2 = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    y = (X1.sum(1, keepdims=True) - X2[:, :1]).astype(np.float32)
    fc = Linear(5, 1).set_name("fc")
    ref = Sequential(Linear(5, 1).set_weights(fc.get_weights()))
    x1, x2 = Input(), Input()
    net = Model([x1, x2], fc(JoinTable(1, 1)([x1, x2])))
    Optimizer.create(net, ([X1, X2], y), MSECriterion(), MaxEpoch(3), 4,
                     SGD(0.1)).optimize()
    Optimizer.create(ref, (np.hstack([X1, X2]), y), MSECriterion(), MaxEpoch(3), 4,
                     SGD(0.1)).optimize()
    for u, v in zip(net.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="Optimizer: expected every array of training "
                                         "features to hold the samples"):
        Optimizer.create(net, ([X1, X2[:3]], y), MSECriterion())


def test_freeze_by_node_name():
    net = _residual()
    X = np.random.default_rng(5).standard_normal((4, 3))
    w = [a.copy() for a in net.get_weights()]
    assert net.freeze("fc1") is net and net.node("fc1").element().is_frozen()
    net.forward(X)
    net.zero_grad_parameters()
    g = net.backward(X, np.ones((4, 3)))
    assert not net.parameters()["fc1"]["gradWeight"].any()  # no gradient accumulated ...
    assert net.parameters()["fc2"]["gradWeight"].any()
    assert np.abs(g).sum() > 0  # ... but the input gradient flows through it
    net.update_parameters(0.1)
    np.testing.assert_array_equal(net.get_weights()[0], w[0])
    net.unfreeze(["fc1"])
    assert not net.node("fc1").element().is_frozen()
    with pytest.raises(ValueError, match="cannot match module named nope"):
        net.freeze("nope")


@pytest.mark.parametrize("make", [
    lambda: CAddTable(True), lambda: JoinTable(-1, 2), lambda: SelectTable(-2),
    lambda: CAdd([1, 3], L2Regularizer(0.1), dtype="float64"), lambda: CMul([3])])
def test_config_rebuilds_the_layer(make):
    """``_config()``: the constructor arguments that rebuild the layer (save_model)."""
    m = make()
    r = type(m)(**m._config())
    assert r._config() == m._config() and str(r).split("[")[0] == str(m).split("[")[0]


def test_graph_config_round_trip():
    net = _two_by_two()
    r = Model._from_config(net._config(), net.modules)
    X = [np.ones((2, 3), np.float32), np.ones((2, 2), np.float32)]
    net.node("drop").element().evaluate()
    for u, v in zip(r.forward(X), net.forward(X)):
        np.testing.assert_array_equal(u, v)


def test_stop_gradient():
    x = Input()
    a = _lin(2, 2, "a", [[1, 0], [0, 1]], [0, 0], "float64")
    b = _lin(2, 2, "b", [[2, 0], [0, 2]], [0, 0], "float64")
    h = a(x)
    net = Model(x, CAddTable()([b(h), h]))
    X, g = np.ones((1, 2)), np.ones((1, 2))
    net.forward(X)
    assert net.backward(X, g).tolist() == [[3, 3]]
    assert net.stop_gradient("b") is net
    net.zero_grad_parameters()
    net.forward(X)
    assert net.backward(X, g).tolist() == [[1, 1]]  # only through the skip connection
    assert b.grad_weight.tolist() == [[1, 1], [1, 1]]  # b still accumulates its own
    net.stop_gradient(["a"])
    net.forward(X)
    assert net.backward(X, g).tolist() == [[0, 0]]  # the input is reached through none
    with pytest.raises(ValueError, match="Model: expected the name of a node, got 'zz'"):
        net.stop_gradient("zz")
    with pytest.raises(TypeError, match="Model.stop_gradient: expected a name or a list"):
        net.stop_gradient(3)
    r = Model._from_config(net._config(), net.modules)
    assert r._stop == net._stop


def test_preprocessor_and_trainable():
    pre = _lin(2, 2, "pre", [[1, 2], [3, 4]], [0, 0])
    fc = _lin(2, 1, "fc", [[1, 1]], [0])
    net = Model(pre, fc)  # BigDL: a stop-gradient between the two layers
    X = np.ones((1, 2), np.float32)
    assert net.forward(X).tolist() == [[10]]
    net.zero_grad_parameters()
    assert net.backward(X, np.ones((1, 1), np.float32)).tolist() == [[0, 0]]
    assert not pre.grad_weight.any() and fc.grad_weight.tolist() == [[3, 7]]
    assert list(net.parameters()) == ["pre", "fc"]
