"""The fitted network behind an estimator (room: ``estimator``).

A :class:`FittedNetwork` is one trained model, complete: its
:class:`~._plan.FitPlan`, graph and Session (from the process's
:data:`~tfgraph_dnn.training.cache.GRAPH_CACHE`), the prepared callable that
predicts, Monte Carlo dropout, the fitted attributes, history and shuffling
RNG, and its pickled form (every variable as a NumPy array; the first use
after unpickling opens a Session again).  A fit builds a new one aside and the
estimator publishes it only if the fit succeeded.

Readers take it with :meth:`FittedNetwork.acquire` and run on it to the end
(:meth:`FittedNetwork.release`), so each sees one model whole whichever fit
publishes meanwhile.  A replaced model is *retired*: its Session goes back to
the cache when the last reader releases it, never under a reader's feet.
"""
from __future__ import annotations

import atexit
import copy
import numbers
import os
import threading
import weakref
from typing import Any, Dict, List, Optional

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2

from .. import _tf, storage
from ..training.cache import GRAPH_CACHE, close_session
from ..exceptions import CheckpointError
from ..model.init import MAX_SEED
from ..training.checkpoint import describe_error
from ..training.loop import EVAL_BATCH_SIZE
from ._description import FrozenMapping, ModelDescription
from ._plan import FitPlan, build_graph
from ._scaling import scaling_values

v1 = tf.compat.v1


#: Rows per run of the net at inference.  Matrix products round a row's dot products
#: differently depending on where the row falls: the last rows of a matrix that is
#: not a multiple of the micro-kernel's row block go through smaller tail kernels,
#: and the blocking, kernel choice and thread partition depend on the number of
#: rows (Eigen's contraction with several threads: 48 rows and 96 rows round
#: differently).  So the net always runs on blocks of this exact shape, and 48 is a
#: multiple of every row block of the kernels it meets on x86: Eigen's 3 packets
#: (12/24/48 for SSE/AVX/AVX-512), oneDNN's sgemm (16/24/48).  A row's output is
#: then the same whatever its position and however many rows are predicted with it
#: (scikit-learn's sample-order and subset invariance, on every ISA).
BLOCK_ROWS = 48

# Models holding a prepared callable: released before the interpreter tears TensorFlow's
# modules down (a callable's finalizer needs them and would print an error otherwise).
_WITH_CALLABLES: "weakref.WeakSet[FittedNetwork]" = weakref.WeakSet()


@atexit.register
def _release_callables() -> None:
    for model in list(_WITH_CALLABLES):
        model._predict = None


def check_n_samples(n_samples) -> int:
    """The number of Monte Carlo dropout passes, checked (a positive integer)."""
    if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) \
            or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    return int(n_samples)


def session_config(threads: Optional[int]) -> config_pb2.ConfigProto:
    """The estimator's Session configuration: bounded threads (``threads``, else
    joblib's inner-thread limit -- its workers export ``OMP_NUM_THREADS`` --, else
    TensorFlow's default: all cores) and a leaner Grappler (:func:`lean_rewrites`)."""
    if threads is None and os.environ.get("OMP_NUM_THREADS", "").isdigit():
        threads = int(os.environ["OMP_NUM_THREADS"])
    config = v1.ConfigProto()
    if threads:
        config.intra_op_parallelism_threads = config.inter_op_parallelism_threads = \
            int(threads)
    lean_rewrites(config.graph_options.rewrite_options)
    return config


def lean_rewrites(rewrites: rewriter_config_pb2.RewriterConfig) -> None:
    """Grappler as a small fit needs it: the same graph rewrites, less fixed cost.

    Every first run of a Session signature (the knobs, initializers, data load,
    the epoch's while loop and its body function, the end check...) is optimized
    by Grappler: on a small fit, a large part of the fit.  Dropped here: the
    second round of the passes (``meta_optimizer_iterations``: on our graphs it
    removes a few more nodes, no measurable epoch time), the MLIR "TFG" pipeline
    (a control-flow round trip; about a third of Grappler's time here) and the
    memory optimizer (swapping and recomputation for accelerator memory: it
    changed no graph of ours).  Every pass that speeds the epochs up (the
    remapper's fused MatMul + BiasAdd + activation, constant folding, the loop,
    arithmetic and dependency optimizers...) still runs once: predictions stay
    bit-identical to TensorFlow's default configuration's and the epochs as fast
    (``tests/estimator/test_session_config.py``; measured with
    ``benchmarks/profile_first_fit.py``).  Turning Grappler off, or keeping only
    the remapper and constant folding, slows every epoch by 10-20 %.
    """
    rewrites.meta_optimizer_iterations = rewriter_config_pb2.RewriterConfig.ONE
    rewrites.disable_tfg_optimizer = True
    rewrites.memory_optimization = rewriter_config_pb2.RewriterConfig.NO_MEM_OPT


def _blocks(run, X, tensor) -> np.ndarray:
    """``run`` over ``X`` in blocks of exactly :data:`BLOCK_ROWS` rows, the last one
    zero-padded (rows of a matrix product are independent: padding changes no other
    row's output), the outputs concatenated."""
    n = len(X)
    if n == 0:
        return np.zeros((0,) + tuple(tensor.shape.as_list()[1:]), np.float32)
    full = n - n % BLOCK_ROWS
    outputs = [run(X[start:start + BLOCK_ROWS]) for start in range(0, full, BLOCK_ROWS)]
    if full < n:
        tail = np.zeros((BLOCK_ROWS,) + X.shape[1:], X.dtype)
        tail[:n - full] = X[full:]
        outputs.append(run(tail)[:n - full])
    return outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=0)


class FittedNetwork:
    """One trained network: plan, Session, predictions, weights, pickled form.

    Parameters
    ----------
    plan : FitPlan
        What the network was built from (kept without its callbacks).
    attributes : mapping
        The public fitted attributes (``classes_``, ``n_features_in_``...).
    history : list of dict
        Every epoch's row so far.
    rng : numpy.random.RandomState
        The shuffling RNG where the last epoch left it.
    hook_states : dict, optional
        ``{callback class name: state_dict}`` the next fit's callbacks start from.
    values : dict, optional
        ``{variable name: array}`` for every global variable; without them the
        variables are initialized (and the input scaling set from ``attributes``).

    Attributes
    ----------
    graph, session, endpoints, ops
        The TensorFlow side (``None`` after unpickling until first used).
    description : ModelDescription or None
        Set once, when the estimator publishes the model (:meth:`seal`).
    resumed : dict or None
        The checkpoint a fit resumed from (only while that fit runs).
    """

    def __init__(self, plan: FitPlan, attributes, history: List[Dict[str, Any]], rng,
                 hook_states: Optional[Dict[str, Any]] = None,
                 values: Optional[Dict[str, np.ndarray]] = None):
        self.plan = plan.without_callbacks()
        self.attributes = attributes if isinstance(attributes, FrozenMapping) \
            else dict(attributes)
        self.history, self.rng = history, rng
        self.hook_states = dict(hook_states or {})
        self.values = values
        self.description: Optional[ModelDescription] = None
        self.resumed: Optional[Dict[str, Any]] = None
        self._set_up()

    def _set_up(self) -> None:
        self.graph = self.init = self.session = self.endpoints = self.ops = None
        self._give_back = None
        self._guard = threading.Lock()  # readers and retirement
        self._opening = threading.Lock()  # the lazy Session after unpickling
        self._users, self._retired, self._predict = 0, False, None
        # Seeds of Monte Carlo dropout passes: reproducible for a given random_state.
        self.mc_rng = np.random.RandomState(self.plan.graph_seed % (2 ** 32))

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, plan: FitPlan, attributes, history, rng, hook_states=None,
             values=None) -> "FittedNetwork":
        """A new model with a Session: ``values`` loaded, or fresh weights."""
        model = cls(plan, attributes, history, rng, hook_states, values)
        model.ensure_open()
        return model

    def continued(self, plan: FitPlan, fitted: Dict[str, Any]) -> "FittedNetwork":
        """A new model going on from this one's weights, optimizer state, history and
        RNG (copies), in the graph of ``plan``."""
        return FittedNetwork.open(plan, {**self.attributes, **fitted},
                                  copy.deepcopy(self.history), copy.deepcopy(self.rng),
                                  self.hook_states, self.capture())

    def ensure_open(self) -> None:
        """Give the model its graph and Session (once: threads arriving meanwhile wait)."""
        if self.session is not None:
            return
        with self._opening:
            if self.session is None and not self._retired:
                self._open_session()

    def _open_session(self) -> None:
        plan = self.plan
        built, session, give_back = GRAPH_CACHE.open(
            plan.cache_key, lambda: build_graph(plan.training),
            session_config(plan.params.get("n_threads")))
        try:
            built.ops.knobs.assign_all(session, dict(plan.knob_values))
            if self.values is None:
                session.run(built.init)
                if built.endpoints.scaling_variables:
                    built.ops.snapshot.assign(session, scaling_values(self.attributes))
            else:  # every global variable: no initialization needed
                built.ops.snapshot.restore(session, self.values)
        except BaseException:
            session.close()
            raise
        self.graph, self.init, self.endpoints, self.ops = \
            built.graph, built.init, built.endpoints, built.ops
        self._give_back, self.values = give_back, None
        self.session = session

    # ---------------------------------------------------------------- readers
    def acquire(self) -> bool:
        """Register a reader; ``False`` if the model was retired (take the new one)."""
        with self._guard:
            if self._retired:
                return False
            self._users += 1
            return True

    def release(self) -> None:
        """Unregister a reader; the last one out closes a retired model's Session."""
        with self._guard:
            self._users -= 1
            close = self._retired and self._users == 0
        if close:
            self._close()

    def retire(self) -> None:
        """No new readers; give the Session back now or when the last reader releases it.
        Also how a fit that failed gives back its unpublished model's Session."""
        with self._guard:
            self._retired = True
            close = self._users == 0
        if close:
            self._close()

    def _close(self) -> None:
        session, self.session = self.session, None
        self._predict = None
        if session is not None:
            give_back, self._give_back = self._give_back, None
            (give_back or close_session)(session)

    # ---------------------------------------------------------------- description
    def seal(self) -> ModelDescription:
        """Describe the model once (idempotent); ``attributes`` become read-only."""
        if self.description is None:
            plan = self.plan
            self.attributes = FrozenMapping(self.attributes)
            self.description = ModelDescription(plan.estimator, plan.task, plan.params,
                                                self.attributes, plan.graph_seed,
                                                plan.n_train)
        return self.description

    # ---------------------------------------------------------------- inference
    def _predictor(self):
        """``f(X) -> outputs`` through a prepared callable of this Session (made once):
        it skips ``session.run``'s feed and fetch handling, which costs more than a
        small net's arithmetic."""
        made = self._predict
        if made is None or made[0] is not self.session:
            options = config_pb2.CallableOptions(feed=[self.endpoints.X.name],
                                                 fetch=[self.endpoints.outputs.name])
            # Run in the calling thread: no hand-off to TensorFlow's pool per call.
            options.run_options.inter_op_thread_pool = -1
            run = _tf.make_callable(self.session, options)
            made = self._predict = (self.session, lambda X: run(X)[0])
            _WITH_CALLABLES.add(self)
        return made[1]

    def run_batched(self, tensor, X: np.ndarray, feed=None, vary=None,
                    seed: int = 0) -> np.ndarray:
        """Run ``tensor`` over ``X`` in blocks of exactly :data:`BLOCK_ROWS` rows (the
        last one zero-padded), so that a row's output depends on nothing but the row.

        ``vary`` (if given: Monte Carlo dropout, random anyway) is fed ``seed +
        batch index`` over batches of ``EVAL_BATCH_SIZE`` rows, so each batch draws
        its own dropout masks.
        """
        if vary is not None:
            outputs = []
            for index, start in enumerate(range(0, len(X), EVAL_BATCH_SIZE)):
                batch = X[start:start + EVAL_BATCH_SIZE]
                padded = np.concatenate([batch, batch]) if len(batch) == 1 else batch
                batch_feed = {self.endpoints.X: padded, **(feed or {}), vary: seed + index}
                outputs.append(self.session.run(tensor, batch_feed)[:len(batch)])
            if not outputs:
                return np.zeros((0,) + tuple(tensor.shape.as_list()[1:]), np.float32)
            return np.concatenate(outputs, axis=0)
        if feed is None and tensor is self.endpoints.outputs:
            run = self._predictor()
        else:
            def run(block):
                return self.session.run(tensor, {self.endpoints.X: block, **(feed or {})})
        return _blocks(run, X, tensor)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The net's outputs for validated float32 ``X``."""
        return self.run_batched(self.endpoints.outputs, X)

    def predict_mc(self, X: np.ndarray, n_samples: int):
        """``(mean, std)`` of ``n_samples`` passes with dropout on and batch norm in
        inference mode (without dropout every pass is the same: std 0)."""
        if not self.plan.params.get("dropout_rate"):
            outputs = self.predict(X)
            return outputs, np.zeros_like(outputs)
        endpoints = self.endpoints
        samples = np.stack([self.run_batched(
            endpoints.outputs, X, {endpoints.dropout_training: True},
            vary=endpoints.dropout_step, seed=self.mc_rng.randint(MAX_SEED))
            for _ in range(n_samples)])
        return samples.mean(axis=0), samples.std(axis=0)

    def frozen_outputs(self, X: np.ndarray) -> np.ndarray:
        """The frozen layers' outputs for ``X`` (what a fit with ``cache_frozen`` trains on)."""
        return self.run_batched(self.endpoints.hidden[self.plan.network.n_frozen - 1], X)

    # ---------------------------------------------------------------- weights
    def weights(self) -> Dict[str, np.ndarray]:
        """The network's variables by name (no optimizer state)."""
        variables = self.endpoints.variables
        return {v.op.name: value for v, value in zip(variables, self.session.run(variables))}

    def variable_shapes(self) -> list:
        """``[(name, shape)]`` of the network's variables."""
        return [(v.op.name, v.shape.as_list()) for v in self.endpoints.variables]

    def trainable_names(self) -> list:
        """Names of the variables the optimizer trains."""
        return [v.op.name for v in self.endpoints.trainable_variables]

    def capture(self) -> Dict[str, np.ndarray]:
        """Every variable's value (optimizer slots included)."""
        if self.values is not None:
            return self.values
        with self._guard:  # a retired model's Session stays open while a reader holds it
            if self.session is None:
                raise RuntimeError("This model was replaced meanwhile (by a fit in another "
                                   "thread); its weights are gone.")
            self._users += 1
        try:
            return self.ops.snapshot.capture(self.session)
        finally:
            self.release()

    def assign(self, values: Dict[str, np.ndarray]) -> None:
        """Set some variables (``{name: array}``); the others keep their values."""
        self.ops.snapshot.assign(self.session, values)

    def saver_writer(self):
        """A writer of every variable as a Saver checkpoint (for ``save()``)."""
        return storage.saver_writer(self.session, self.ops.saver)

    def restore(self, prefix: str) -> None:
        """Load every variable from the checkpoint ``prefix`` (a Saver's format).

        Raises
        ------
        CheckpointError
            Naming the file and the cause.
        """
        try:
            self.ops.saver.restore(self.session, prefix)  # (no graph ops: any mode)
        except (tf.errors.OpError, ValueError, RuntimeError, IndexError) as error:
            # (RuntimeError, IndexError: TensorFlow's reader on a bit-flipped data file)
            raise CheckpointError(f"Cannot restore the weights in {prefix}: "
                                  f"{describe_error(error)}") from error

    # ---------------------------------------------------------------- pickling
    def detached(self) -> "FittedNetwork":
        """A copy without TensorFlow objects, its variables as arrays (what is pickled)."""
        twin = object.__new__(FittedNetwork)
        twin.__dict__.update(self.__dict__)
        twin.values = self.capture()
        twin._set_up()
        return twin

    def __getstate__(self) -> Dict[str, Any]:
        return {"plan": self.plan, "description": self.seal(), "history": self.history,
                "rng": self.rng, "hook_states": self.hook_states, "values": self.capture()}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.plan, self.description = state["plan"], state["description"]
        self.attributes = self.description.attributes
        self.history, self.rng = state["history"], state["rng"]
        self.hook_states, self.values = state["hook_states"] or {}, state["values"]
        self.resumed = None
        self._set_up()
