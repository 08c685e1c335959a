"""Run the bigdl_py benchmarks: every ``benchmarks/bench_*.py`` family, at each thread count.

    python benchmarks/run.py [--quick] [--threads 1,2] [--json FILE] [--only SUBSTR]

Each family module defines ``run(ctx) -> list[dict]`` (see ``_harness.py``).  Timings are
medians of repeats after a warm-up; ratio columns say how many times faster than each
anchor measured in the same run (> 1: bigdl_py is faster).  ``--quick`` uses small sizes and
few repeats: a smoke test (CI runs it; no timing is asserted).  A family that raises is
reported (traceback on stderr) and makes the exit status non-zero.
"""
import argparse
import glob
import importlib
import json
import os
import platform
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
try:
    import bigdl_py
except ImportError:  # not installed: use the source tree (built with build_ext --inplace)
    sys.path.insert(1, os.path.dirname(HERE))
    import bigdl_py

import numpy as np

from _harness import Context


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, few repeats (smoke test)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    p.add_argument("--json", metavar="FILE", help="also write the environment and rows as JSON")
    p.add_argument("--only", metavar="SUBSTR", help="only families whose module name contains it")
    p.add_argument("--repeats", type=int, help="timed repeats per measurement (default 7, quick 3)")
    a = p.parse_args(argv)
    try:
        a.threads = [int(t) for t in a.threads.split(",")]
    except ValueError:
        p.error(f"--threads: expected comma-separated positive ints, got {a.threads!r}")
    if not a.threads or min(a.threads) < 1:
        p.error(f"--threads: expected comma-separated positive ints, got {','.join(map(str, a.threads))!r}")
    if a.repeats is not None and a.repeats < 1:
        p.error(f"--repeats: expected a positive int, got {a.repeats}")
    return a


def load_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def machine_load():
    """1-minute load average and CPU pressure (Linux), to judge how noisy a run was."""
    out = {}
    try:
        out["loadavg"] = open("/proc/loadavg").read().split()[:3]
        out["cpu_pressure"] = open("/proc/pressure/cpu").readline().strip()
    except OSError:
        pass
    return out


def environment(torch):
    from bigdl_py import _testing
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "bigdl_py": os.path.dirname(bigdl_py.__file__),
        "openmp_enabled": bigdl_py.openmp_enabled(),
        "avx2": _testing.set_simd(True),
        "load_before": machine_load(),
        "env": {k: v for k, v in sorted(os.environ.items())
                if k.startswith(("OPENBLAS", "OMP_", "MKL_"))},
    }


def discover(only=None):
    names = sorted(os.path.splitext(os.path.basename(f))[0]
                   for f in glob.glob(os.path.join(HERE, "bench_*.py")))
    return [n for n in names if only is None or only in n]


def check_rows(rows):
    """Rows must be a list of dicts with name, threads and a positive finite ms."""
    if not isinstance(rows, list):
        raise TypeError(f"run(ctx) must return a list of dicts, got {type(rows).__name__}")
    for r in rows:
        if not isinstance(r, dict) or not {"name", "threads", "ms"} <= r.keys() \
                or not (np.isfinite(r["ms"]) and r["ms"] > 0):
            raise ValueError(f"bad benchmark row (need name, threads, ms > 0): {r!r}")
    return rows


def format_table(rows):
    anchors = []
    for r in rows:
        anchors += [a for a in r.get("ratios", {}) if a not in anchors]
    head = ["name", "threads", "ms", "GB/s", "GFLOP/s"] + [f"vs {a}" for a in anchors]
    body = []
    for r in rows:
        ratios = r.get("ratios", {})
        body.append([r["name"], str(r["threads"]), f"{r['ms']:.3f}",
                     f"{r['gbps']:.2f}" if "gbps" in r else "",
                     f"{r['gflops']:.2f}" if "gflops" in r else ""]
                    + [f"{ratios[a]:.2f}x" if a in ratios else "" for a in anchors])
    widths = [max(len(line[i]) for line in [head] + body) for i in range(len(head))]
    fmt = lambda line: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                 for i, (c, w) in enumerate(zip(line, widths)))
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(b) for b in body])


def main(argv=None):
    args = parse_args(argv)
    torch = load_torch()
    env = environment(torch)
    print("environment:")
    for k, v in env.items():
        print(f"  {k}: {v}")
    sys.stdout.flush()
    families = discover(args.only)
    if not families:
        print(f"no benchmark family matches {args.only!r}", file=sys.stderr)
        return 1
    repeats = args.repeats or (3 if args.quick else 7)
    rows, failures = [], []
    saved_threads = bigdl_py.get_num_threads()
    t0 = time.perf_counter()
    for name in families:
        for threads in args.threads:
            bigdl_py.set_num_threads(threads)
            if torch is not None:
                torch.set_num_threads(threads)
            ctx = Context(quick=args.quick, threads=threads, torch=torch, repeats=repeats)
            try:
                module = importlib.import_module(name)
                got = check_rows(module.run(ctx))
            except Exception:
                print(f"benchmark {name} (threads={threads}) FAILED:", file=sys.stderr)
                traceback.print_exc()
                failures.append({"family": name, "threads": threads,
                                 "error": traceback.format_exc(limit=1).strip()})
                continue
            for r in got:
                r.setdefault("family", name[len("bench_"):])
            rows += got
            print(f"  {name} threads={threads}: {len(got)} rows", file=sys.stderr)
    bigdl_py.set_num_threads(saved_threads)
    print()
    print("ratios: times faster than the anchor measured in the same run (> 1: faster)")
    print(format_table(rows))
    load_after = machine_load()
    print(f"load after: {load_after}")
    print(f"\n{len(rows)} rows in {time.perf_counter() - t0:.1f} s"
          + (f"; {len(failures)} FAILED: " + ", ".join(f"{f['family']}@{f['threads']}"
                                                       for f in failures) if failures else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "load_after": load_after, "quick": args.quick,
                       "repeats": repeats,
                       "rows": rows, "failures": failures}, f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
