"""Shared machinery of the estimators (room: ``estimator``; a thin facade).

:class:`BaseDNN` validates parameters and data, asks :mod:`tfgraph_dnn.model`
for a graph, :mod:`tfgraph_dnn.training` for the training op, loop and hooks,
and keeps the fitted graph and Session.  Task-specific parts (targets, outputs,
scoring) live in the subclasses.
"""
from __future__ import annotations

import numbers
from typing import List, Optional

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import layers
from ..model import NetworkSpec, build_network
from ..training import (OPTIMIZERS, Hook, ProgressPrinter, TrainingState, build_train_op,
                        fit_loop, make_optimizer)
from ..training.loop import EVAL_BATCH_SIZE

v1 = tf.compat.v1

_MAX_SEED = 2 ** 31 - 1


def _name_or_callable(names):
    return [StrOptions(set(names)), callable]


class BaseDNN(BaseEstimator):
    """Base class of :class:`DNNClassifier` and friends; not for direct use."""

    _parameter_constraints: dict = {
        "n_hidden": [Interval(numbers.Integral, 0, None, closed="left")],
        "n_neurons": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", None],
        "activation": _name_or_callable(layers.ACTIVATIONS),
        "initializer": _name_or_callable(layers.INITIALIZERS),
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "beta1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta2": [Interval(numbers.Real, 0, 1, closed="left")],
        "momentum": [Interval(numbers.Real, 0, 1, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_norm_momentum": [Interval(numbers.Real, 0, 1, closed="both"), None],
        "dropout_rate": [Interval(numbers.Real, 0, 1, closed="left"), None],
        "l1": [Interval(numbers.Real, 0, None, closed="left")],
        "l2": [Interval(numbers.Real, 0, None, closed="left")],
        "max_norm": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, n_hidden=5, n_neurons=100, hidden_layer_sizes=None, activation="elu",
                 initializer="he_normal", optimizer="adam", learning_rate=0.001, beta1=0.9,
                 beta2=0.999, momentum=0.9, batch_size=50, n_epochs=100,
                 batch_norm_momentum=None, dropout_rate=None, l1=0.0, l2=0.0, max_norm=None,
                 random_state=None, verbose=0):
        self.n_hidden = n_hidden
        self.n_neurons = n_neurons
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.initializer = initializer
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.batch_norm_momentum = batch_norm_momentum
        self.dropout_rate = dropout_rate
        self.l1 = l1
        self.l2 = l2
        self.max_norm = max_norm
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ task hooks
    _task: str = ""

    def _encode_targets(self, y, reset: bool):
        """Validate targets; return them encoded for the graph (set state if reset)."""
        raise NotImplementedError

    def _n_outputs(self) -> int:
        raise NotImplementedError

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, X_valid=None, y_valid=None):
        """Train the network from scratch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        X_valid, y_valid : array-like, optional
            Validation data, evaluated after every epoch (``val_*`` in ``history_``).

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_training_data(X, y)
        valid = self._validate_validation_data(X_valid, y_valid)
        return self._fit(X, y, valid)

    def _validate_training_data(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float32, reset=True, y_numeric=False,
                             multi_output=self._task == "regression")
        return X, self._encode_targets(y, reset=True)

    def _validate_validation_data(self, X_valid, y_valid):
        if (X_valid is None) != (y_valid is None):
            raise ValueError("Pass both X_valid and y_valid, or neither.")
        if X_valid is None:
            return None
        X_valid = validate_data(self, X_valid, dtype=np.float32, reset=False)
        y_valid = self._encode_targets(y_valid, reset=False)
        if len(X_valid) != len(y_valid):
            raise ValueError(f"X_valid has {len(X_valid)} rows but y_valid has {len(y_valid)}.")
        return X_valid, y_valid

    def _hidden_layer_sizes(self) -> tuple:
        if self.hidden_layer_sizes is not None:
            sizes = tuple(self.hidden_layer_sizes)
            if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
                raise ValueError("hidden_layer_sizes must hold positive integers, got "
                                 f"{self.hidden_layer_sizes!r}")
            return sizes
        return (self.n_neurons,) * self.n_hidden

    def _network_spec(self, seed: int) -> NetworkSpec:
        return NetworkSpec(
            n_inputs=self.n_features_in_, n_outputs=self._n_outputs(),
            hidden_layer_sizes=self._hidden_layer_sizes(), task=self._task,
            activation=self.activation, initializer=self.initializer,
            batch_norm_momentum=self.batch_norm_momentum, dropout_rate=self.dropout_rate,
            l1=self.l1, l2=self.l2, max_norm=self.max_norm, seed=seed)

    def _make_hooks(self) -> List[Hook]:
        return [ProgressPrinter()] if self.verbose else []

    def _fit(self, X, y, valid):
        self._close_session()
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(_MAX_SEED))
        graph = tf.Graph()
        with graph.as_default():
            endpoints = build_network(self._network_spec(seed))
            global_step = v1.train.get_or_create_global_step()
            optimizer = make_optimizer(self.optimizer, self.learning_rate,
                                       momentum=self.momentum, beta1=self.beta1,
                                       beta2=self.beta2)
            train_op = build_train_op(endpoints.loss, optimizer, global_step)
            hooks = self._make_hooks()
            for hook in hooks:
                hook.build(endpoints)
            init = v1.global_variables_initializer()
        graph.finalize()  # nothing may add ops after this: no leaks, no growth
        session = v1.Session(graph=graph)
        session.run(init)
        self._graph, self._session, self._endpoints = graph, session, endpoints
        state = TrainingState(session=session, endpoints=endpoints, train_op=train_op,
                              n_epochs=self.n_epochs, batch_size=self.batch_size, rng=rng)
        fit_loop(state, hooks, X, y, *(valid or (None, None)))
        self.history_ = state.history
        self.n_epochs_ = len(state.history)
        self.n_layers_ = len(endpoints.hidden) + 1
        return self

    # ------------------------------------------------------------------ inference
    def _forward(self, X) -> np.ndarray:
        check_is_fitted(self)
        if getattr(self, "_session", None) is None:
            raise RuntimeError("This estimator lost its TensorFlow session; fit it again.")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        outputs = [self._session.run(self._endpoints.outputs,
                                     {self._endpoints.X: X[start:start + EVAL_BATCH_SIZE]})
                   for start in range(0, len(X), EVAL_BATCH_SIZE)]
        return np.concatenate(outputs, axis=0)

    def get_weights(self) -> dict:
        """The fitted network's variables as ``{name: ndarray}`` (no optimizer state).

        Names are TF1's (``hidden1/kernel``, ``logits/bias``,
        ``hidden1/batch_normalization/moving_mean``...).
        """
        check_is_fitted(self)
        variables = self._endpoints.variables
        values = self._session.run(variables)
        return {variable.op.name: value for variable, value in zip(variables, values)}

    # ------------------------------------------------------------------ resources
    def _close_session(self):
        session = self.__dict__.pop("_session", None)
        if session is not None:
            session.close()
        self.__dict__.pop("_graph", None)
        self.__dict__.pop("_endpoints", None)

    def __del__(self):
        try:
            self._close_session()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass
