"""Shared machinery of the estimators (room: ``estimator``; a thin facade).

:class:`BaseDNN` validates parameters and data, asks :mod:`tfgraph_dnn.model`
for the net, :mod:`tfgraph_dnn.training` for the training graph, loop and
hooks; :class:`SessionMixin` keeps the fitted graph and Session.  Work is split as in
scikit-learn's MLP: ``fit`` / ``partial_fit`` -> ``_prepare`` (graph and
Session, fresh, warm or resumed) -> ``_train`` (the loop with its hooks).
Task-specific parts (targets, outputs, scoring) live in the subclasses.
"""
from __future__ import annotations

import numbers
import os
from typing import List, Union

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..model import NetworkSpec, build_network
from ..training import Hook, ProgressPrinter, TrainingState, fit_loop
from ..training.checkpoint import CheckpointError, CheckpointHook, read_latest, rng_from_json
from ..training.graph import build_training_graph
from ..training.hooks import ProgressBar
from ..training.stopping import EarlyStopping, StopOnNonFinite
from ..training.tensorboard import TensorBoardHook, new_run_dir
from ..training.transfer import as_warm_start_settings, read_warm_start_values
from . import _persistence
from ._params import PARAMETER_CONSTRAINTS
from ._session import SessionMixin

v1 = tf.compat.v1

_MAX_SEED = 2 ** 31 - 1


class BaseDNN(SessionMixin, BaseEstimator):
    """Base class of :class:`DNNClassifier` and friends; not for direct use."""

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS
    _task: str = ""

    def __init__(self, n_hidden=5, n_neurons=100, hidden_layer_sizes=None, activation="elu",
                 initializer="he_normal", optimizer="adam", learning_rate=0.001, beta1=0.9,
                 beta2=0.999, momentum=0.9, batch_size=50, n_epochs=100,
                 batch_norm_momentum=None, dropout_rate=None, l1=0.0, l2=0.0, max_norm=None,
                 gradient_clip_value=None, gradient_clip_norm=None,
                 gradient_clip_global_norm=None, lr_schedule=None, early_stopping=False,
                 early_stopping_monitor="val_loss", patience=10, validation_fraction=0.1,
                 checkpoint_dir=None, checkpoint_every=5, resume=False, log_dir=None, run_name=None,
                 log_histograms=False, warm_start=False, warm_start_from=None, n_frozen=0,
                 cache_frozen=True, callbacks=None, n_threads=None, random_state=None,
                 verbose=0):
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
        self.gradient_clip_value = gradient_clip_value
        self.gradient_clip_norm = gradient_clip_norm
        self.gradient_clip_global_norm = gradient_clip_global_norm
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.early_stopping_monitor = early_stopping_monitor
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.resume = resume
        self.log_dir = log_dir
        self.run_name = run_name
        self.log_histograms = log_histograms
        self.warm_start = warm_start
        self.warm_start_from = warm_start_from
        self.n_frozen = n_frozen
        self.cache_frozen = cache_frozen
        self.callbacks = callbacks
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ task hooks
    def _encode_targets(self, y, reset: bool, classes=None):
        """Validate targets; return them encoded for the graph (set state if reset)."""
        raise NotImplementedError

    def _n_outputs(self) -> int:
        raise NotImplementedError

    # ------------------------------------------------------------------ public API
    def fit(self, X, y, X_valid=None, y_valid=None) -> "BaseDNN":
        """Train the network (from scratch, or on from the last fit with ``warm_start``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        X_valid, y_valid : array-like, optional
            Validation data, evaluated after every epoch (``val_*`` in
            ``history_``) and watched by early stopping.  Without them and with
            ``early_stopping=True``, a stratified ``validation_fraction`` of
            ``X`` is held out.

        Returns
        -------
        self
        """
        self._validate_params()
        keep = self.warm_start and self._is_built()
        if keep:
            self._ensure_session()  # after unpickling: continue from the saved weights
        X, y = validate_data(self, X, y, dtype=np.float32, reset=not keep,
                             multi_output=self._task == "regression")
        y = self._encode_targets(y, reset=not keep)
        valid = self._validation_data(X_valid, y_valid)
        rng = check_random_state(self.random_state)
        if valid is None and self.early_stopping:
            X, y, valid = self._split_validation(X, y, rng)
        if not keep:
            self._prepare(rng, n_train=len(X))
        resumed_epochs = len(self._history) if self._resumed else 0
        return self._train(X, y, valid, n_new_epochs=self.n_epochs - resumed_epochs)

    def partial_fit(self, X, y, classes=None) -> "BaseDNN":
        """Run one epoch over ``(X, y)``, building the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, optional
            All labels that will ever appear; required on the first call of a
            classifier (as in scikit-learn).

        Returns
        -------
        self
        """
        first_call = not self._is_built()
        if first_call:
            self._validate_params()
        else:
            self._ensure_session()
        X, y = validate_data(self, X, y, dtype=np.float32, reset=first_call,
                             multi_output=self._task == "regression")
        y = self._encode_targets(y, reset=first_call, classes=classes)
        if first_call:
            self._prepare(check_random_state(self.random_state), n_train=len(X))
        return self._train(X, y, None, n_new_epochs=1, quiet=True)

    def save(self, path: Union[str, os.PathLike]) -> str:
        """Save the fitted model to directory ``path`` (no pickle involved).

        The directory holds a TensorFlow V2 checkpoint of every variable
        (optimizer state included, so ``warm_start`` can go on training) and
        ``estimator.json`` (parameters, classes, feature names, history).
        Saving over an earlier model is atomic: a crash mid-save leaves the
        previous model loadable.  The directory can also be given as
        ``warm_start_from`` to another estimator.

        Returns
        -------
        str
            The directory of the new save (inside ``path``).
        """
        return _persistence.save(self, path)

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "BaseDNN":
        """Load an estimator written by :meth:`save` (never unpickles anything)."""
        return _persistence.load(cls, path)

    def export_saved_model(self, path: Union[str, os.PathLike]) -> str:
        """Export a TF SavedModel for serving (signature ``serving_default``).

        Its input is ``features`` (float32, ``(None, n_features)``); its outputs
        are ``probabilities`` and ``classes`` for a classifier, ``predictions``
        for a regressor.  ``tf.saved_model.load(path)`` serves it in plain eager
        TensorFlow 2.  ``path`` must not exist yet.
        """
        return _persistence.export_saved_model(self, path)

    def get_weights(self) -> dict:
        """The fitted network's variables as ``{name: ndarray}`` (no optimizer state).

        Names are TF1's (``hidden1/kernel``, ``logits/bias``,
        ``hidden1/batch_normalization/moving_mean``...).
        """
        check_is_fitted(self)
        self._ensure_session()
        variables = self._endpoints.variables
        return {v.op.name: value for v, value in zip(variables, self._session.run(variables))}

    # ------------------------------------------------------------------ preparation
    def _validation_data(self, X_valid, y_valid):
        if (X_valid is None) != (y_valid is None):
            raise ValueError("Pass both X_valid and y_valid, or neither.")
        if X_valid is None:
            return None
        X_valid = validate_data(self, X_valid, dtype=np.float32, reset=False)
        y_valid = self._encode_targets(y_valid, reset=False)
        if len(X_valid) != len(y_valid):
            raise ValueError(f"X_valid has {len(X_valid)} rows but y_valid has {len(y_valid)}.")
        return X_valid, y_valid

    def _split_validation(self, X, y, rng):
        stratify = y if self._task == "classification" else None
        try:
            X, X_valid, y, y_valid = train_test_split(
                X, y, test_size=self.validation_fraction, stratify=stratify,
                random_state=rng.randint(_MAX_SEED))
        except ValueError:  # a class too rare to stratify: fall back to a plain split
            X, X_valid, y, y_valid = train_test_split(
                X, y, test_size=self.validation_fraction, random_state=rng.randint(_MAX_SEED))
        return X, y, (X_valid, y_valid)

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
            l1=self.l1, l2=self.l2, max_norm=self.max_norm, seed=seed,
            n_frozen=int(self.n_frozen))

    def _fingerprint(self) -> dict:
        """What fixes the variables, hence what a checkpoint must match."""
        name = lambda value: getattr(value, "__name__", str(value))  # noqa: E731
        return {"task": self._task, "n_inputs": int(self.n_features_in_),
                "n_outputs": int(self._n_outputs()),
                "hidden_layer_sizes": [int(s) for s in self._hidden_layer_sizes()],
                "batch_norm": self.batch_norm_momentum is not None,
                "n_frozen": int(self.n_frozen),
                "optimizer": self.optimizer, "activation": name(self.activation),
                "lr_schedule": name(self.lr_schedule)}

    def _hparams(self) -> dict:
        """The parameters that shape the model, for TensorBoard's HParams dashboard."""
        # Paths, logging, resumption, caching, threads: where and how fast, not which model.
        plumbing = {"log_dir", "run_name", "log_histograms", "checkpoint_dir", "checkpoint_every",
                    "resume", "warm_start", "warm_start_from", "cache_frozen", "callbacks",
                    "n_threads", "verbose"}
        return {name: value for name, value in self.get_params(deep=False).items()
                if name not in plumbing}

    def _prepare(self, rng, n_train: int) -> None:
        """Build a fresh graph and Session; warm-start, or resume from the last checkpoint."""
        self._build(int(rng.randint(_MAX_SEED)), n_train)
        self._rng, self._history, self._resumed = rng, [], None
        self._hook_states = {}
        self.warm_started_vars_ = []
        try:
            if self.warm_start_from is not None:
                self._warm_start_from_checkpoint()
            if self.checkpoint_dir is not None and self.resume:
                self._restore_checkpoint()
        except BaseException:
            self._close_session()  # never serve randomly initialized weights
            raise

    def _warm_start_from_checkpoint(self) -> None:
        settings = as_warm_start_settings(self.warm_start_from)
        values = read_warm_start_values(settings, self._endpoints.variables)
        self._ops.snapshot.assign(self._session, values)
        self.warm_started_vars_ = sorted(values)

    def _build(self, seed: int, n_train: int, values=None) -> None:
        """Build the net and its training ops in a new graph; open an initialized Session
        (holding ``values``, ``{variable name: array}``, when given)."""
        self._close_session()
        graph = tf.Graph()
        with graph.as_default():
            spec = self._network_spec(seed)
            endpoints = build_network(spec)
            ops = build_training_graph(
                endpoints, optimizer=self.optimizer, learning_rate=self.learning_rate,
                momentum=self.momentum, beta1=self.beta1, beta2=self.beta2,
                schedule=self.lr_schedule, steps_per_epoch=-(-n_train // self.batch_size),
                n_epochs=self.n_epochs, clip_value=self.gradient_clip_value,
                clip_norm=self.gradient_clip_norm,
                clip_global_norm=self.gradient_clip_global_norm,
                spec=spec, batch_size=self.batch_size,
                in_graph_first_layer=spec.n_frozen + 1 if self._caches_frozen(spec) else 1)
            init = v1.global_variables_initializer()
        graph.finalize()  # hooks only run ops: the graph never grows after this
        self._open_session(graph, init, endpoints, ops, values)
        self.__dict__.pop("_pending_values", None)
        self._graph_seed, self._n_train = seed, n_train

    def _restore_checkpoint(self) -> None:
        saved = read_latest(self.checkpoint_dir)
        if saved is None:
            return
        expected = self._fingerprint()
        if saved["fingerprint"] != expected:
            diff = {k: (saved["fingerprint"].get(k), v) for k, v in expected.items()
                    if saved["fingerprint"].get(k) != v}
            raise CheckpointError(f"The checkpoint in {self.checkpoint_dir} is of another "
                                  f"model; (checkpoint, this estimator) differ in {diff}")
        self._restore_saved_variables(saved["model_prefix"])
        self._history = saved["history"]
        self._rng = rng_from_json(saved["rng_state"])
        self._hook_states = saved["hooks"]
        self._resumed = saved

    # ------------------------------------------------------------------ training
    def _make_hooks(self, n_train: int, quiet: bool) -> List[Hook]:
        hooks: List[Hook] = []
        if self.verbose and not quiet:
            hooks.append(ProgressBar(n_train) if self.verbose >= 2 else ProgressPrinter())
        if self._ops.schedule_hook is not None:
            hooks.append(self._ops.schedule_hook)
        hooks.append(StopOnNonFinite())
        if self.early_stopping and not quiet:
            hooks.append(EarlyStopping(patience=self.patience,
                                       monitor=self.early_stopping_monitor))
        hooks.extend(self.callbacks or [])
        if self.log_dir is not None and not quiet:
            self.log_dir_ = new_run_dir(self.log_dir, self.run_name)
            hooks.append(TensorBoardHook(self.log_dir_, log_histograms=self.log_histograms,
                                         hparams=self._hparams()))
        if self.checkpoint_dir is not None:
            stateful = [h for h in hooks if isinstance(h, EarlyStopping)
                        or h is self._ops.schedule_hook]
            hooks.append(CheckpointHook(self.checkpoint_dir, self.checkpoint_every,
                                        self._fingerprint(), stateful))
        for hook in hooks:
            if type(hook).__name__ in self._hook_states:
                hook.load_state_dict(self._hook_states[type(hook).__name__])
        return hooks

    def _caches_frozen(self, spec) -> bool:
        return bool(self.cache_frozen and spec.frozen_layers_deterministic)

    def _cached_inputs(self, X, valid):
        """Run the data through the frozen layers once, when that changes nothing.

        Returns ``(inputs tensor or None, X, valid)``.
        """
        spec = self._network_spec(seed=None)
        if not self._caches_frozen(spec):
            return None, X, valid
        frozen = self._endpoints.hidden[spec.n_frozen - 1]
        X = self._run_batched(frozen, X)
        if valid is not None:
            valid = (self._run_batched(frozen, valid[0]), valid[1])
        return frozen, X, valid

    def _train(self, X, y, valid, n_new_epochs: int, quiet: bool = False):
        self._ensure_session()
        inputs, X, valid = self._cached_inputs(X, valid)
        hooks = self._make_hooks(len(X), quiet)
        resumed, self._resumed = self._resumed, None
        start = len(self._history)
        state = TrainingState(session=self._session, endpoints=self._endpoints, ops=self._ops,
                              n_epochs=start + max(n_new_epochs, 0), batch_size=self.batch_size,
                              rng=self._rng, history=self._history,
                              stop_training=bool(resumed and resumed["stopped"] and not quiet),
                              inputs=inputs)
        try:
            fit_loop(state, hooks, X, y, *(valid or (None, None)), start_epoch=start)
        except BaseException:
            self._close_session()  # half-trained weights must not be served
            raise
        self._hook_states = {}
        self.history_ = state.history
        self.n_epochs_ = len(state.history)
        self.n_layers_ = len(self._endpoints.hidden) + 1
        for hook in hooks:
            if isinstance(hook, EarlyStopping):
                kept = [row for row in state.history if row["epoch"] == hook.best_epoch]
                self.best_epoch_ = hook.best_epoch
                self.best_val_loss_ = kept[0].get("val_loss", hook.best_value) if kept \
                    else hook.best_value
        return self

