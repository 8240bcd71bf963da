"""Shared machinery of the estimators (room: ``estimator``; a thin facade).

:class:`BaseDNN` validates parameters and data, asks :mod:`tfgraph_dnn.model`
for the net, :mod:`tfgraph_dnn.training` for the training graph, loop and
hooks.  Work is split as in scikit-learn's MLP: ``fit`` / ``partial_fit`` ->
``_next_state`` (graph and Session: fresh, warm-started, resumed or continuing
the current model) -> ``_train_and_publish`` (the loop with its hooks).

Fitted state changes only on success: every step works on a new
:class:`~._state.FittedState`, published by :class:`~._session.SessionMixin`
in one swap at the end.  A fit that fails or is interrupted leaves the
previous model predicting as before and adds a note saying so (and, with
checkpoints, how to resume).  Task-specific parts (targets, outputs,
scoring) live in the subclasses.
"""
from __future__ import annotations

import copy
import os
from typing import Dict, List, Optional, Union

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from .. import _habits, storage
from ..training import Hook, ProgressPrinter, TrainingState, fit_loop
from ..training.checkpoint import CheckpointHook, latest_save_dir
from ..training.hooks import ProgressBar
from ..training.stopping import EarlyStopping, StopOnNonFinite
from ..training.tensorboard import TensorBoardHook, new_run_dir
from . import _fitted, _persistence
from ._architecture import ArchitectureMixin
from ._params import PARAMETER_CONSTRAINTS
from ._prepare import PrepareMixin, add_note
from ._scaling import scaling_kind
from ._session import SessionMixin
from ._state import FittedState

v1 = tf.compat.v1


class BaseDNN(ArchitectureMixin, PrepareMixin, SessionMixin, BaseEstimator):
    """Base class of :class:`DNNClassifier` and friends; not for direct use."""

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS
    _task: str = ""

    @_habits.checked_init  # another library's name (max_iter...): a hint, not a TypeError
    def __init__(self, n_hidden=5, n_neurons=100, hidden_layer_sizes=None, activation="elu",
                 initializer="he_normal", optimizer="adam", learning_rate=0.001, beta1=0.9,
                 beta2=0.999, momentum=0.9, batch_size=50, n_epochs=100,
                 batch_norm_momentum=None, dropout_rate=None, l1=0.0, l2=0.0, max_norm=None,
                 gradient_clip_value=None, gradient_clip_norm=None,
                 gradient_clip_global_norm=None, lr_schedule=None, early_stopping=False,
                 early_stopping_monitor="val_loss", patience=10, min_delta=0.0,
                 validation_fraction=0.1, checkpoint_dir=None, checkpoint_every=5, resume=False,
                 log_dir=None, run_name=None, log_histograms=False, warm_start=False,
                 warm_start_from=None, n_frozen=0, cache_frozen=True, reused_lr_multiplier=1.0,
                 feature_scaling=None, callbacks=None, n_threads=None, random_state=None,
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
        self.min_delta = min_delta
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
        self.reused_lr_multiplier = reused_lr_multiplier
        self.feature_scaling = feature_scaling
        self.callbacks = callbacks
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def set_params(self, **params) -> "BaseDNN":
        """Set parameters as scikit-learn does; an unknown name gets a hint (``max_iter``:
        did you mean ``n_epochs``?)."""
        _habits.check_parameter_names(type(self).__name__,
                                      [key.partition("__")[0] for key in params],
                                      self._get_param_names())
        return super().set_params(**params)

    # ------------------------------------------------------------------ task hooks
    def _targets(self, y, fitted: dict, reset: bool, classes=None,
                 name: str = "y") -> np.ndarray:
        """Validate ``y`` (called ``name`` in messages) and encode it for the graph.

        With ``reset``, store what the targets fix (``classes_``, ``n_outputs_``)
        in ``fitted``; otherwise check ``y`` (and ``classes``) against it.
        Never touches the estimator.
        """
        raise NotImplementedError

    def _n_outputs(self, fitted: Optional[dict] = None) -> int:
        raise NotImplementedError

    def _encode_targets(self, y, reset: bool = False, classes=None) -> np.ndarray:
        """``y`` encoded for the graph of the current model (or a new one if ``reset``)."""
        return self._targets(y, {} if reset else dict(vars(self)), reset, classes)

    # ------------------------------------------------------------------ public API
    def fit(self, X, y, X_valid=None, y_valid=None) -> "BaseDNN":
        """Train the network (from scratch, or on from the current model with ``warm_start``).

        The estimator changes only if the fit succeeds: if it raises (bad
        data, a full disk, Ctrl-C...), the previous model is kept and predicts
        as before; a note on the exception says so.

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

        Raises
        ------
        ValueError
            With ``warm_start=True``, when ``set_params`` changed the network's
            structure since the last fit (the message names the parameters).
        """
        with self._keeping_the_model():
            self._check_params()
            previous = self.__dict__.get("_state") if self.warm_start else None
            X, y, fitted = self._training_data(X, y, previous)
            valid = self._validation_data(X_valid, y_valid, fitted)
            rng = check_random_state(self.random_state)
            if valid is None and self.early_stopping:
                X, y, valid = self._split_validation(X, y, rng)
            self._check_step_count(len(X))
            state = self._next_state(previous, fitted, rng, len(X),
                                     fit=self._fit_fingerprint(X, y, valid, previous))
            resumed = len(state.history) if state.resumed else 0
            return self._train_and_publish(state, X, y, valid, self.n_epochs - resumed)

    def partial_fit(self, X, y, classes=None) -> "BaseDNN":
        """Run one epoch over ``(X, y)``, building the network on the first call.

        As with :meth:`fit`, the estimator changes only if the epoch completes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, optional
            All labels that will ever appear; required on the first call of a
            classifier, and the same on later calls (as in scikit-learn).

        Returns
        -------
        self
        """
        with self._keeping_the_model():
            self._check_params()
            previous = self.__dict__.get("_state")
            X, y, fitted = self._training_data(X, y, previous, classes)
            if previous is None:
                state = self._next_state(None, fitted, check_random_state(self.random_state),
                                         n_train=len(X),
                                         fit=self._fit_fingerprint(X, y, None, None))
            else:
                state = self._next_state(previous, fitted, None)
            return self._train_and_publish(state, X, y, None, 1, quiet=True)

    def save(self, path: Union[str, os.PathLike], overwrite: bool = False) -> str:
        """Save the fitted model to directory ``path`` (no pickle involved).

        The directory holds a TensorFlow V2 checkpoint of every variable
        (optimizer state and the input scaling included, so ``warm_start`` can
        go on training) and ``estimator.json`` (the parameters the model was
        fitted with -- not values ``set_params`` gave since --, classes, feature
        names, history).  Saving over an earlier save of the same model (same
        class, features, classes or targets, layers, activation, batch norm
        and ``feature_scaling``: e.g. after a refit) replaces it atomically: a
        crash mid-save leaves the previous model loadable.  The directory can
        also be given as ``warm_start_from`` to another estimator.

        Parameters
        ----------
        path : str or path-like
            Absent, empty, or a directory written by ``save()``.
        overwrite : bool, default=False
            Replace a *different* model saved in ``path``; without it that is
            refused.

        Returns
        -------
        str
            The directory of the new save (inside ``path``).

        Raises
        ------
        tfgraph_dnn.storage.DifferentModelError
            ``path`` holds a different model and ``overwrite`` is False (the
            message names the directory and the differences); nothing is written.
        """
        return _persistence.save(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "BaseDNN":
        """Load an estimator written by :meth:`save` (never unpickles anything)."""
        return _persistence.load(cls, path)

    def export_saved_model(self, path: Union[str, os.PathLike]) -> str:
        """Export a TensorFlow 2 SavedModel for serving, input scaling included.

        In plain eager TensorFlow 2, ``m = tf.saved_model.load(path)`` is
        callable: ``m(features)`` takes raw features of shape
        ``(n, n_features)`` as float32 or float64 (arrays or tensors) and
        returns the outputs dict -- ``probabilities`` and ``classes`` for a
        classifier, ``predictions`` for a regressor -- the estimator's
        predictions.  Signatures (input ``features``): ``serving_default``
        (float32, as in earlier exports; NumPy arrays of any float type are
        converted) and ``serving_float64``.  ``path`` must not exist yet.

        Returns
        -------
        str
            ``path``.
        """
        return _persistence.export_saved_model(self, path)

    def summary(self) -> str:
        """A readable description of the fitted net, like Keras' ``model.summary()``.

        One row per layer (the input scaling, ``hidden1 ... hiddenN``,
        ``logits``): name, output shape, parameter count, and activation,
        batch norm, dropout and freezing; then the totals of trainable, frozen
        and non-trainable parameters (batch-norm moving statistics, input
        scaling).  Optimizer state is not counted.

        Returns
        -------
        str
            The table (print it).
        """
        state = self._acquire()
        try:
            spec = self._network_spec(None, state.attributes, state.params)
            variables = [(v.op.name, v.shape.as_list()) for v in state.endpoints.variables]
            trainable = [v.op.name for v in state.endpoints.trainable_variables]
        finally:
            state.release()
        target = f"{spec.n_outputs} classes" if spec.task == "classification" else \
            f"{spec.n_outputs} target(s)"
        title = f"{type(self).__name__}: {spec.n_inputs} features -> {target}"
        return _fitted.summary(title, spec, variables, trainable,
                               scaling_kind(state.params.get("feature_scaling")))

    def get_weights(self) -> dict:
        """The fitted network's variables as ``{name: ndarray}`` (no optimizer state).

        Names are TF1's (``hidden1/kernel``, ``logits/bias``,
        ``hidden1/batch_normalization/moving_mean``...); with ``feature_scaling``
        also ``feature_scaling/offset`` and ``feature_scaling/scale`` (float32).
        """
        state = self._acquire()
        try:
            variables = state.endpoints.variables
            return {v.op.name: value
                    for v, value in zip(variables, state.session.run(variables))}
        finally:
            state.release()

    def _validated_features(self, X, state: FittedState) -> np.ndarray:
        """``X`` for inference: named columns matched by name to ``feature_names_in_``
        (reordered; unknown or missing names refused), then validated as float32."""
        X, from_declared = self._matched_columns(X, state.attributes)
        if from_declared:  # matched by name already: validate without a names warning
            return check_array(X, dtype=np.float32, estimator=self, input_name="X")
        return super()._validated_features(X, state)

    # ------------------------------------------------------------------ training
    def _make_hooks(self, state: FittedState, n_train: int, quiet: bool):
        """``(hooks, this fit's copy of the schedule's hook or None)``."""
        hooks: List[Hook] = []
        if self.verbose and not quiet:
            hooks.append(ProgressBar(n_train) if self.verbose >= 2 else ProgressPrinter())
        schedule = copy.copy(state.ops.schedule_hook)  # this fit's; the graph's stays clean
        if schedule is not None:
            hooks.append(schedule)
        hooks.append(StopOnNonFinite())
        if self.early_stopping and not quiet:
            hooks.append(EarlyStopping(patience=self.patience, min_delta=self.min_delta,
                                       monitor=self.early_stopping_monitor))
        hooks.extend(self.callbacks or [])
        if self.log_dir is not None and not quiet:
            state.attributes["log_dir_"] = new_run_dir(self.log_dir, self.run_name)
            hooks.append(TensorBoardHook(state.attributes["log_dir_"],
                                         log_histograms=self.log_histograms,
                                         hparams=self._hparams()))
        if self.checkpoint_dir is not None:
            stateful = [h for h in hooks if isinstance(h, EarlyStopping) or h is schedule]
            hooks.append(CheckpointHook(self.checkpoint_dir, self.checkpoint_every,
                                        self._fingerprint(state.attributes, state.params),
                                        stateful, fit=state.fit))
        for hook in hooks:
            if type(hook).__name__ in state.hook_states:
                hook.load_state_dict(state.hook_states[type(hook).__name__])
        return hooks, schedule

    @staticmethod
    def _caches_frozen(spec, params: dict) -> bool:
        return bool(params["cache_frozen"] and spec.frozen_layers_deterministic)

    def _cached_inputs(self, state: FittedState, X, valid):
        """Run the data through the frozen layers once, when that changes nothing.

        Returns ``(inputs tensor or None, X, valid)``.
        """
        spec = self._network_spec(None, state.attributes, state.params)
        if not self._caches_frozen(spec, state.params):
            return None, X, valid
        frozen = state.endpoints.hidden[spec.n_frozen - 1]
        X = self._run_batched(state, frozen, X)
        if valid is not None:
            valid = (self._run_batched(state, frozen, valid[0]), valid[1])
        return frozen, X, valid

    def _train_and_publish(self, state: FittedState, X, y, valid, n_new_epochs: int,
                           quiet: bool = False) -> "BaseDNN":
        """Train ``state`` for up to ``n_new_epochs`` epochs; publish it if that succeeds."""
        try:
            self._train(state, X, y, valid, n_new_epochs, quiet)
        except BaseException as error:
            state.close()
            if self.checkpoint_dir is not None and self._has_checkpoint(state):
                add_note(error, f"{type(self).__name__}: fit again with resume=True to go "
                                f"on from the last checkpoint in {self.checkpoint_dir}.")
            raise
        self._publish(state)
        return self

    def _has_checkpoint(self, state: Optional[FittedState] = None) -> bool:
        try:
            directory = os.fspath(self.checkpoint_dir)
            if state is not None and state.fit is not None:  # this fit's own checkpoints
                directory = storage.fit_directory(directory, state.fit)
            return latest_save_dir(directory) is not None
        except Exception:  # an unreadable directory: no advice rather than a second error
            return False

    def _train(self, state: FittedState, X, y, valid, n_new_epochs: int, quiet: bool) -> None:
        inputs, X, valid = self._cached_inputs(state, X, valid)
        hooks, schedule = self._make_hooks(state, len(X), quiet)
        resumed = state.resumed
        start = len(state.history)
        training = TrainingState(
            session=state.session, endpoints=state.endpoints, ops=state.ops,
            n_epochs=start + max(n_new_epochs, 0), batch_size=state.params["batch_size"],
            rng=state.rng, history=state.history,
            stop_training=bool(resumed and resumed["stopped"] and not quiet), inputs=inputs)
        fit_loop(training, hooks, X, y, *(valid or (None, None)), start_epoch=start)
        # A continued fit goes on with the schedule's state (not with early stopping's).
        state.hook_states = {} if schedule is None else \
            {type(schedule).__name__: schedule.state_dict()}
        fitted: Dict = state.attributes
        fitted.update(history_=training.history, n_epochs_=len(training.history),
                      n_layers_=len(state.endpoints.hidden) + 1)
        best_epoch = None
        for hook in hooks:
            if isinstance(hook, EarlyStopping):
                kept = [row for row in training.history if row["epoch"] == hook.best_epoch]
                fitted["best_epoch_"] = best_epoch = hook.best_epoch
                fitted["best_val_loss_"] = kept[0].get("val_loss", hook.best_value) if kept \
                    else hook.best_value
        fitted.update(_fitted.curve_attributes(
            self._task, training.history, start, None if valid is None else valid[1],
            fitted.get("validation_scores_"), best_epoch))
