"""The graph and Session behind a fitted estimator (room: ``estimator``).

:class:`SessionMixin` owns their lifetime: it opens the Session (threads
bounded), restores Saver checkpoints into it, runs the net (plain or with
MC dropout) over data in large batches, closes the Session on
refit and deletion, and makes estimators picklable: the pickle holds every
variable as a NumPy array, and the first use after unpickling rebuilds the
graph (via the estimator's ``_build``) and loads them back.
"""
from __future__ import annotations

import numbers
import os
import threading

import numpy as np
import tensorflow as tf
from sklearn.utils.validation import check_is_fitted, validate_data

from ..training.checkpoint import CheckpointError, describe_error
from ..training.loop import EVAL_BATCH_SIZE

v1 = tf.compat.v1

# Attributes that live only while a Session is open (never pickled).
_RUNTIME_ATTRIBUTES = ("_graph", "_session", "_endpoints", "_ops")
_BUILD_LOCK = threading.Lock()  # one lazy rebuild at a time (threads predicting at once)


class SessionMixin:
    """Session lifetime, batched inference and pickling for :class:`BaseDNN`."""

    def _has_session(self) -> bool:
        return getattr(self, "_session", None) is not None

    def _is_built(self) -> bool:
        """A trained network exists: in a Session, or as arrays after unpickling."""
        return self._has_session() or "_pending_values" in self.__dict__

    def _session_config(self):
        # Bounded threads: an explicit n_threads, else joblib's inner-thread limit
        # (its workers export OMP_NUM_THREADS), else TensorFlow's default (all cores).
        threads = self.n_threads
        if threads is None and os.environ.get("OMP_NUM_THREADS", "").isdigit():
            threads = int(os.environ["OMP_NUM_THREADS"])
        if not threads:
            return None
        return v1.ConfigProto(intra_op_parallelism_threads=int(threads),
                              inter_op_parallelism_threads=int(threads))

    def _open_session(self, graph, init, endpoints, ops, values=None) -> None:
        """Open and initialize a Session; load ``values`` (``{name: array}``) if given.

        The Session is published (``self._session``) only once its variables
        hold their final values: other threads never see initial weights.
        """
        session = v1.Session(graph=graph, config=self._session_config())
        session.run(init)
        if values is not None:
            ops.snapshot.restore(session, values)
        self._graph, self._endpoints, self._ops = graph, endpoints, ops
        self._session = session

    def _ensure_session(self) -> None:
        """Rebuild graph and Session after unpickling (variable values kept in NumPy)."""
        if self._has_session():
            return
        with _BUILD_LOCK:
            if self._has_session():
                return
            values = self.__dict__.get("_pending_values")  # _build drops it
            if values is None:
                raise RuntimeError("This estimator has no TensorFlow session (its last fit "
                                   "failed or was interrupted); fit it again.")
            self._build(self._graph_seed, self._n_train, values)

    def _restore_saved_variables(self, prefix: str) -> None:
        """Load every variable from the Saver checkpoint ``prefix`` into the Session.

        On failure the Session is closed (partly restored weights are never
        served) and a :class:`CheckpointError` names the file and the cause.
        """
        try:
            with self._graph.as_default():  # the Saver refuses eager mode
                self._ops.saver.restore(self._session, prefix)
        except (tf.errors.OpError, ValueError) as error:
            self._close_session()
            raise CheckpointError(f"Cannot restore the weights in {prefix}: "
                                  f"{describe_error(error)}") from error

    def _forward(self, X, mc_dropout: bool = False) -> np.ndarray:
        """The net's outputs for ``X``; ``mc_dropout`` samples with dropout on."""
        return self._outputs(self._validated_inputs(X), mc_dropout)

    def _validated_inputs(self, X) -> np.ndarray:
        check_is_fitted(self)
        self._ensure_session()
        return validate_data(self, X, dtype=np.float32, reset=False)

    def _outputs(self, X: np.ndarray, mc_dropout: bool = False) -> np.ndarray:
        feed = {self._endpoints.dropout_training: True} if mc_dropout else {}
        return self._run_batched(self._endpoints.outputs, X, feed)

    def _mc_statistics(self, X, n_samples: int):
        """Mean and std of ``n_samples`` passes with dropout on, batch norm in inference mode."""
        if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) \
                or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
        X = self._validated_inputs(X)  # once, not once per pass
        if not self.dropout_rate:  # every pass would be the same
            outputs = self._outputs(X)
            return outputs, np.zeros_like(outputs)
        samples = np.stack([self._outputs(X, mc_dropout=True) for _ in range(n_samples)])
        return samples.mean(axis=0), samples.std(axis=0)

    def _run_batched(self, tensor, X, feed=None) -> np.ndarray:
        outputs = []
        for start in range(0, len(X), EVAL_BATCH_SIZE):
            batch = X[start:start + EVAL_BATCH_SIZE]
            # A lone row would take the matrix-vector kernel, which rounds differently
            # from the matrix-matrix one: pad it, so a row's output never depends on
            # how many rows are predicted with it (scikit-learn's subset invariance).
            padded = np.concatenate([batch, batch]) if len(batch) == 1 else batch
            outputs.append(self._session.run(tensor, {self._endpoints.X: padded,
                                                      **(feed or {})})[:len(batch)])
        if not outputs:
            return np.zeros((0,) + tuple(tensor.shape.as_list()[1:]), np.float32)
        return np.concatenate(outputs, axis=0)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object's is the live __dict__
        for name in _RUNTIME_ATTRIBUTES:
            state.pop(name, None)
        if self._has_session():  # weights and optimizer state as NumPy arrays
            state["_pending_values"] = self._ops.snapshot.capture(self._session)
        return state

    def _close_session(self):
        session = self.__dict__.pop("_session", None)
        if session is not None:
            session.close()
        for name in _RUNTIME_ATTRIBUTES:
            self.__dict__.pop(name, None)

    def __del__(self):
        try:
            self._close_session()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass
