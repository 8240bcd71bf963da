"""The published model behind a fitted estimator (room: ``estimator``).

:class:`SessionMixin` holds one :class:`~._state.FittedState` (graph,
Session, fitted attributes) and swaps it whole: :meth:`~SessionMixin._publish`
replaces it under a lock when a fit succeeded; readers take it once
(:meth:`~SessionMixin._acquire`) and run on it to the end, so a prediction
sees one model, never a half-trained one, while another thread refits.  It
opens Sessions (threads bounded), runs the net (plain or with MC dropout) over
data in large batches, and makes estimators picklable: the pickle holds every
variable as a NumPy array, and the first use after unpickling rebuilds the
graph and loads them back.
"""
from __future__ import annotations

import numbers
import os
from typing import Any, Dict, Optional

import numpy as np
import tensorflow as tf
from sklearn.utils.validation import check_is_fitted, validate_data

from ..training.cache import GRAPH_CACHE
from ..exceptions import CheckpointError
from ..training.checkpoint import describe_error
from ..training.loop import EVAL_BATCH_SIZE
from ._scaling import scaling_values
from ._state import (PUBLISH_LOCK, FittedState, ModelDescription, is_fitted_attribute,
                     snapshot_params)

v1 = tf.compat.v1

_MAX_SEED = 2 ** 31 - 1
_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_CURRENT = object()  # _session_config's default: the estimator's current n_threads


def check_n_samples(n_samples) -> int:
    """The number of Monte Carlo dropout passes, checked (a positive integer)."""
    if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) \
            or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    return int(n_samples)


def _published(name: str, doc: str) -> property:
    """A read-only view of a field of the published state (``None`` when unfitted)."""
    return property(lambda self: getattr(self.__dict__.get("_state"), name, None), doc=doc)


def _staged(name: str, default: Any, doc: str) -> property:
    """A field of the published state that ``load()`` may set before ``_build``."""

    def get(self):
        staged = self.__dict__.get("_staged", {})
        if name in staged:
            return staged[name]
        return getattr(self.__dict__.get("_state"), name, default)

    def set_(self, value):
        self.__dict__.setdefault("_staged", {})[name] = value

    return property(get, set_, doc=doc)


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


class SessionMixin:
    """Published state, batched inference and pickling for :class:`BaseDNN`."""

    # Views of the published state (read by tests, persistence and the CLI).
    _graph = _published("graph", "The published model's graph.")
    _session = _published("session", "The published model's Session.")
    _endpoints = _published("endpoints", "The published model's endpoints.")
    _ops = _published("ops", "The published model's training ops.")
    _graph_seed = _published("graph_seed", "Seed of the published model's graph.")
    _n_train = _published("n_train", "Rows its schedule was built for.")
    _history = _staged("history", None, "Every epoch's row of the published model.")
    _rng = _staged("rng", None, "The published model's shuffling RNG.")
    _hook_states = _staged("hook_states", None, "Hook states the next fit starts from.")
    _resumed = _staged("resumed", None, "Unused outside a fit (kept for load()).")

    def __sklearn_is_fitted__(self) -> bool:
        # One key lookup: check_is_fitted would otherwise iterate over vars(self), which
        # a fit publishing in another thread may grow meanwhile.
        return "_state" in self.__dict__

    def _has_session(self) -> bool:
        return getattr(self.__dict__.get("_state"), "session", None) is not None

    def _is_built(self) -> bool:
        """A trained network exists: in a Session, or as arrays after unpickling."""
        return "_state" in self.__dict__

    @property
    def _description(self) -> Optional[ModelDescription]:
        """What the published model is (parameters of its fit, fitted attributes...);
        ``None`` when unfitted.  Read this, never ``get_params()``, about a fitted model."""
        return getattr(self.__dict__.get("_state"), "description", None)

    def _session_config(self, n_threads: Any = _CURRENT):
        # Bounded threads: an explicit n_threads, else joblib's inner-thread limit
        # (its workers export OMP_NUM_THREADS), else TensorFlow's default (all cores).
        threads = self.n_threads if n_threads is _CURRENT else n_threads
        if threads is None and os.environ.get("OMP_NUM_THREADS", "").isdigit():
            threads = int(os.environ["OMP_NUM_THREADS"])
        if not threads:
            return None
        return v1.ConfigProto(intra_op_parallelism_threads=int(threads),
                              inter_op_parallelism_threads=int(threads))

    # ------------------------------------------------------------------ building states
    def _open(self, state: FittedState,
              values: Optional[Dict[str, np.ndarray]] = None) -> FittedState:
        """Give ``state`` a graph and a Session with its knobs set, holding ``values``
        (every global variable) or freshly initialized weights and the input
        scaling of ``state.attributes``.

        The graph comes from :data:`GRAPH_CACHE` (built once per structure) with a
        Session of its own, usually one that an earlier fit gave back.
        """
        spec = self._training_spec(state.graph_seed, state.n_train, state.attributes,
                                   state.params)
        built, session, give_back = GRAPH_CACHE.open(
            spec.structure(), lambda: self._build_graph(spec),
            self._session_config(state.params.get("n_threads")))
        state.graph, state.init, state.endpoints, state.ops = \
            built.graph, built.init, built.endpoints, built.ops
        state.session, state.give_back = session, give_back
        try:
            state.ops.knobs.assign_all(session, spec.knob_values())
            if values is None:
                session.run(state.init)
                if state.endpoints.scaling_variables:
                    state.ops.snapshot.assign(session, scaling_values(state.attributes))
            else:  # every global variable: no initialization needed
                state.ops.snapshot.restore(session, values)
        except BaseException:
            state.session = None
            session.close()
            raise
        state.values = None
        return state

    def _restore_into(self, state: FittedState, prefix: str) -> None:
        """Load every variable from the Saver checkpoint ``prefix`` into ``state``.

        Raises
        ------
        CheckpointError
            Naming the file and the cause (the state is left to its owner to close).
        """
        try:
            with state.graph.as_default():  # the Saver refuses eager mode
                state.ops.saver.restore(state.session, prefix)
        except (tf.errors.OpError, ValueError, RuntimeError, IndexError) as error:
            # (RuntimeError, IndexError: TensorFlow's reader on a bit-flipped data file)
            raise CheckpointError(f"Cannot restore the weights in {prefix}: "
                                  f"{describe_error(error)}") from error

    # ------------------------------------------------------------------ publishing
    def _publish(self, state: FittedState) -> None:
        """Make ``state`` the model: one swap under the lock; retire the one it replaces.

        The state is sealed first (:meth:`FittedState.seal`): its description is
        what the model is from now on, whatever ``set_params`` does later.
        """
        state.resumed = None
        state.seal(type(self).__name__, self._task)
        with PUBLISH_LOCK:
            old = self.__dict__.get("_state")
            stale = [name for name in (old.attributes if old is not None else ())
                     if name not in state.attributes]
            for name in stale:
                self.__dict__.pop(name, None)
            self.__dict__.update(state.attributes)
            self.__dict__["_state"] = state
            self.__dict__.pop("_staged", None)
        if old is not None and old is not state:
            old.retire()

    def _ensure_session(self) -> FittedState:
        """The published state, with a Session (built once after unpickling)."""
        state = self.__dict__.get("_state")
        if state is None:
            raise RuntimeError("This estimator has no fitted model; fit it first.")
        if state.session is not None:
            return state
        with PUBLISH_LOCK:  # threads arriving meanwhile wait, then find it built
            state = self.__dict__["_state"]
            if state.session is None:
                self._publish(self._open(state.rebuilt(), state.capture()))
            return self.__dict__["_state"]

    def _acquire(self, need_session: bool = True) -> FittedState:
        """The published state, registered as in use (call ``release()`` when done)."""
        check_is_fitted(self)
        while True:
            state = self._ensure_session() if need_session else self.__dict__["_state"]
            if state.acquire():
                return state
            # retired between the lookup and acquire: a newer state was published

    # ------------------------------------------------------------------ load() support
    def _build(self, seed: int, n_train: int, values=None) -> None:
        """Publish a model built from the fitted attributes set on this (new) estimator.

        ``load()``'s way in: the attributes (``classes_``...) are set first, then
        ``_history`` and ``_rng``; ``values`` or :meth:`_restore_saved_variables`
        fill the variables.  Fits never call it.
        """
        staged = self.__dict__.pop("_staged", {})
        attributes = {name: value for name, value in vars(self).items()
                      if is_fitted_attribute(name)}
        rng = staged.get("rng")
        state = FittedState(attributes, list(staged.get("history") or []),
                            rng if rng is not None else np.random.RandomState(seed),
                            seed, n_train, self._graph_params())
        self._publish(self._open(state, values))

    def _restore_saved_variables(self, prefix: str) -> None:
        """Load the Saver checkpoint ``prefix`` into the model :meth:`_build` published.

        On failure the model is withdrawn (partly restored weights are never
        served) and a :class:`CheckpointError` names the file and the cause.
        """
        state = self._ensure_session()
        try:
            self._restore_into(state, prefix)
        except BaseException:
            self._close_session()
            raise

    # ------------------------------------------------------------------ inference
    def _forward(self, X) -> np.ndarray:
        """The net's outputs for ``X``."""
        return self._infer(X)[0]

    def _infer(self, X, n_mc_samples: int = 0):
        """``(outputs, std or None, fitted attributes)``, all from one model.

        ``n_mc_samples > 0``: mean and std of that many passes with dropout on
        and batch norm in inference mode.
        """
        state = self._acquire()
        try:
            X = self._validated_features(X, state)
            expected = state.attributes["n_features_in_"]
            if X.shape[1] != expected:  # a refit in another thread changed the features
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} "
                                 f"is expecting {expected} features as input.")
            if not n_mc_samples:
                return self._run_batched(state, state.endpoints.outputs, X), None, \
                    state.attributes
            if not state.params.get("dropout_rate"):  # every pass would be the same
                outputs = self._run_batched(state, state.endpoints.outputs, X)
                return outputs, np.zeros_like(outputs), state.attributes
            samples = np.stack([self._run_batched(
                state, state.endpoints.outputs, X, {state.endpoints.dropout_training: True},
                vary=state.endpoints.dropout_step, seed=state.mc_rng.randint(_MAX_SEED))
                for _ in range(n_mc_samples)])
            return samples.mean(axis=0), samples.std(axis=0), state.attributes
        finally:
            state.release()

    def _validated_features(self, X, state: FittedState) -> np.ndarray:
        """``validate_data(self, X, dtype=float32, reset=False)``, with a shortcut for
        what it would accept: a finite 2-D float32/float64 NumPy array of the fitted
        width, for a model fitted without feature names (its checks cost more than
        a small net's arithmetic on one row)."""
        if type(X) is np.ndarray and X.dtype in _FAST_DTYPES and X.ndim == 2 \
                and X.shape[1] == state.attributes["n_features_in_"] and X.shape[0] > 0 \
                and "feature_names_in_" not in state.attributes:
            with np.errstate(over="ignore"):  # too large for float32: validate_data says so
                cast = X.astype(np.float32, copy=False)
            if np.isfinite(cast).all():  # else validate_data names the problem
                return cast
        from ._float32 import check_input_range  # names a column float32 cannot hold

        check_input_range(X, "X", state.attributes.get("feature_names_in_"))
        return validate_data(self, X, dtype=np.float32, reset=False)

    def _run_batched(self, state: FittedState, tensor, X, feed=None, vary=None,
                     seed: int = 0) -> np.ndarray:
        """Run ``tensor`` over ``X``: in blocks of exactly :data:`BLOCK_ROWS` rows
        (the last one zero-padded), so that a row's output depends on nothing but
        the row (see :func:`_blocks`).

        ``vary`` (if given: Monte Carlo dropout, random anyway) is fed ``seed +
        batch index`` over batches of ``EVAL_BATCH_SIZE`` rows, so each batch draws
        its own dropout masks.
        """
        if vary is not None:
            outputs = []
            for index, start in enumerate(range(0, len(X), EVAL_BATCH_SIZE)):
                batch = X[start:start + EVAL_BATCH_SIZE]
                padded = np.concatenate([batch, batch]) if len(batch) == 1 else batch
                batch_feed = {state.endpoints.X: padded, **(feed or {}), vary: seed + index}
                outputs.append(state.session.run(tensor, batch_feed)[:len(batch)])
            if not outputs:
                return np.zeros((0,) + tuple(tensor.shape.as_list()[1:]), np.float32)
            return np.concatenate(outputs, axis=0)
        if feed is None and tensor is state.endpoints.outputs:
            run = state.predictor()
        else:
            def run(block):
                return state.session.run(tensor, {state.endpoints.X: block, **(feed or {})})
        return _blocks(run, X, tensor)

    # ------------------------------------------------------------------ lifetime
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object's is the live __dict__
        state.pop("_staged", None)
        if "_state" in state:  # the published model, whole, with its weights as arrays
            fitted = self._acquire(need_session=False)
            try:
                state.update(fitted.attributes)
                state["_state"] = fitted.detached()
            finally:
                fitted.release()
        return state

    def __setstate__(self, state):
        state = dict(state)
        state.setdefault("feature_scaling", None)  # pickled before the parameter existed
        values = state.pop("_pending_values", None)  # the layout of earlier versions
        legacy = {name: state.pop(name, None) for name in
                  ("_graph_seed", "_n_train", "_history", "_rng", "_hook_states", "_resumed")}
        super().__setstate__(state)
        fitted = self.__dict__.get("_state")
        if fitted is not None and fitted.description is None:
            # Pickled before models carried a description: the graph's parameters it
            # kept, the pickled estimator's for the rest.
            fitted.params = snapshot_params({**self.get_params(deep=False),
                                             **(fitted.params or {})})
            fitted.seal(type(self).__name__, self._task)
        if values is not None and "_state" not in state:
            attributes = {name: value for name, value in state.items()
                          if is_fitted_attribute(name)}
            seed = int(legacy["_graph_seed"])
            rng = legacy["_rng"] if legacy["_rng"] is not None else np.random.RandomState(seed)
            legacy_state = FittedState(
                attributes, list(legacy["_history"] or []), rng, seed,
                int(legacy["_n_train"]), self._graph_params(), values=values)
            legacy_state.seal(type(self).__name__, self._task)
            self.__dict__["_state"] = legacy_state

    def _close_session(self) -> None:
        """Withdraw the published model (the estimator is unfitted afterwards)."""
        with PUBLISH_LOCK:
            state = self.__dict__.pop("_state", None)
        if state is not None:
            state.retire()

    def __del__(self):
        try:
            state = self.__dict__.pop("_state", None)
            if state is not None:
                state.retire()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass
