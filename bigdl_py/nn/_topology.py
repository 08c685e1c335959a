"""Graph construction: the execution order of a graph's nodes (computed once) and
BigDL's construction errors, as ValueErrors naming the offending node."""
from .container import walk

__all__ = ["node_list", "order", "check", "check_config"]


def node_list(x, cls, what, one="a Node", many="Nodes"):
    """``x``, a ``cls`` node or a list of them, as a non-empty list (a graph ``Model``'s
    inputs or outputs, ``what``); TypeError otherwise."""
    nodes = list(x) if isinstance(x, (list, tuple)) else [x]
    if not nodes or not all(isinstance(n, cls) for n in nodes):
        raise TypeError(f"Model: expected {one} or a non-empty list of {many} as {what}, got "
                        f"{x!r:.80}")
    return nodes


def order(outputs, prev=lambda node: node.prev):
    """The nodes leading to ``outputs`` with every node after its predecessors
    (``prev(node)``; depth first from the outputs, predecessors in the order given);
    ValueError on a cycle."""
    result, state = [], {}  # id -> 1 (on the path), 2 (done)
    for out in outputs:
        stack = [(out, 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                if state.get(id(node)) == 2:
                    continue
                state[id(node)] = 1
            if i < len(prev(node)):
                stack.append((node, i + 1))
                p = prev(node)[i]
                if state.get(id(p)) == 1:
                    raise ValueError(f"Model: expected an acyclic graph, got a cycle through "
                                     f"{p.module.name()}")
                if state.get(id(p)) != 2:
                    stack.append((p, 0))
            else:
                state[id(node)] = 2
                result.append(node)
    return result


def check(inputs, nodes):
    """BigDL's construction errors, as ValueErrors naming the node."""
    index = {id(n): i for i, n in enumerate(nodes)}
    seen = set()
    for n in inputs:
        name = n.module.name()
        if id(n) in seen:
            raise ValueError(f"Model: expected distinct inputs, got {name} twice")
        seen.add(id(n))
        if id(n) not in index:
            raise ValueError(f"Model: expected every input to reach an output, got input {name} "
                             "that reaches none")
        if n.prev:
            raise ValueError(f"Model: expected inputs that are graph roots, got input {name} "
                             f"with predecessors ({', '.join(p.module.name() for p in n.prev)})")
    for n in nodes:
        if not n.prev and id(n) not in seen:
            raise ValueError(f"Model: expected every root of the graph to be listed as an "
                             f"input, got root {n.module.name()} that is not")
    names, modules = {}, {}
    for n in nodes:
        name = n.module.name()
        if name in names:
            same = names[name] is n.module
            raise ValueError(f"Model: expected unique node names, got {name} twice" +
                             (" (one module called twice)" if same else ""))
        names[name] = n.module
        for m in walk(n.module):
            if id(m) in modules and modules[id(m)] is not n.module:
                raise ValueError(f"Model: expected each module once in the graph, got "
                                 f"{m.name()} inside {modules[id(m)].name()} and "
                                 f"{n.module.name()}")
            modules[id(m)] = n.module



def _indices(v, below):
    return isinstance(v, list) and all(type(i) is int and 0 <= i < below for i in v)


def check_config(config, n):
    """(prev, inputs, outputs, stop) of a saved topology (``Model._config``) over ``n``
    nodes: index lists, every edge to an earlier node; ValueError for anything else."""
    prev, ins, outs = (config.get(k) for k in ("prev", "inputs", "outputs"))
    stop = config.get("stop", [])
    if not (isinstance(prev, list) and len(prev) == n
            and all(_indices(p, i) for i, p in enumerate(prev))):
        raise ValueError(f"Model: expected graph edges to earlier nodes, got {prev!r:.80}")
    if not (_indices(ins, n) and _indices(outs, n) and ins and outs):
        raise ValueError(f"Model: expected graph inputs and outputs as node indices, got "
                         f"{ins!r:.40} and {outs!r:.40}")
    if not _indices(stop, n):
        raise ValueError(f"Model: expected stopped nodes as node indices, got {stop!r:.40}")
    return prev, ins, outs, stop
