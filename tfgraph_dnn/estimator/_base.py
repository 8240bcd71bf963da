"""The scikit-learn facade shared by the estimators (room: ``estimator``).

:class:`BaseDNN` keeps the constructor's parameters and the fitted
attributes (trailing underscore) and delegates the rest: a fit validates its
data (:class:`~._prepare.PrepareMixin`), turns parameters and data shape into
one :class:`~._plan.FitPlan`, opens a :class:`~._model.FittedNetwork` for it
(new, or continuing the published one) and trains it (:mod:`._fit`); then it
*publishes* the model: one swap under this estimator's own lock.  Fitted state
changes only on success: a fit that fails or is interrupted gives its model's
Session back and leaves the previous model predicting as before (a note on
the exception says so and, with checkpoints, how to resume).

Readers (predictions, ``get_weights``, ``summary``, pickling, ``save``) take
the published model once and run on it to the end, whichever fit publishes
meanwhile.  Task-specific parts (targets, outputs, scoring) live in the
subclasses.
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Iterator, Optional, Union

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import _habits
from . import _fit, _fitted, _persistence
from ._model import FittedNetwork
from ._params import PARAMETER_CONSTRAINTS
from ._plan import FitPlan, make_plan
from ._prepare import PrepareMixin, add_note

v1 = tf.compat.v1

_MAX_SEED = 2 ** 31 - 1


class BaseDNN(PrepareMixin, BaseEstimator):
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
            previous = self.__dict__.get("_model") if self.warm_start else None
            X, y, fitted = self._training_data(X, y, previous)
            valid = self._validation_data(X_valid, y_valid, fitted)
            rng = check_random_state(self.random_state)
            if valid is None and self.early_stopping:
                X, y, valid = self._split_validation(X, y, rng)
            self._check_step_count(len(X))
            model, plan = self._next_model(previous, fitted, rng, len(X),
                                           self._fit_fingerprint(X, y, valid, previous))
            resumed = len(model.history) if model.resumed else 0
            return self._train_and_publish(model, plan, X, y, valid, self.n_epochs - resumed)

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
            previous = self.__dict__.get("_model")
            X, y, fitted = self._training_data(X, y, previous, classes)
            if previous is None:
                model, plan = self._next_model(None, fitted,
                                               check_random_state(self.random_state), len(X),
                                               self._fit_fingerprint(X, y, None, None), True)
            else:
                model, plan = self._next_model(previous, fitted, None, quiet=True)
            return self._train_and_publish(model, plan, X, y, None, 1, quiet=True)

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
        with self._reading() as model:
            return _fitted.model_summary(type(self).__name__, model.plan,
                                         model.variable_shapes(), model.trainable_names())

    def get_weights(self) -> dict:
        """The fitted network's variables as ``{name: ndarray}`` (no optimizer state).

        Names are TF1's (``hidden1/kernel``, ``logits/bias``,
        ``hidden1/batch_normalization/moving_mean``...); with ``feature_scaling``
        also ``feature_scaling/offset`` and ``feature_scaling/scale`` (float32).
        """
        with self._reading() as model:
            return model.weights()

    # ------------------------------------------------------------------ fitting
    def _plan(self, fitted: dict, graph_seed: int, n_train: int, fit=None,
              quiet: bool = False) -> FitPlan:
        """The plan of a fit of the current parameters on data described by ``fitted``."""
        return make_plan(type(self).__name__, self._task, self.get_params(deep=False),
                         fitted, graph_seed, n_train, fit, quiet, self.callbacks)

    def _next_model(self, previous: Optional[FittedNetwork], fitted: dict, rng,
                    n_train: Optional[int] = None, fit: Optional[dict] = None,
                    quiet: bool = False):
        """``(model, plan)``: a new, unpublished model with an open Session.

        Without ``previous``: a new network for ``n_train`` rows (warm-started,
        resumed: see :func:`._fit.new_model`).  With it: ``previous``'s weights
        (and optimizer state, history, RNG) in the graph of the current
        parameters, which must not change the variables (scikit-learn's
        convention: a ``ValueError`` naming the parameters).
        """
        if previous is None:
            plan = self._plan(fitted, int(rng.randint(_MAX_SEED)), n_train, fit, quiet)
            return _fit.new_model(plan, fitted, rng), plan
        before = previous.plan
        # A model that never trained (from_estimator_dir) has no schedule to go on with:
        # its first fit's schedule is built for that fit's rows.
        rows = before.n_train if previous.history or n_train is None else n_train
        plan = self._plan({**previous.attributes, **fitted}, before.graph_seed,
                          rows, fit if fit is not None else before.fit, quiet)
        return _fit.continued_model(previous, plan, fitted), plan

    def _train_and_publish(self, model: FittedNetwork, plan: FitPlan, X, y, valid,
                           n_new_epochs: int, quiet: bool = False) -> "BaseDNN":
        """Train ``model`` for up to ``n_new_epochs`` epochs; publish it if that succeeds."""
        try:
            _fit.train(model, plan, X, y, valid, n_new_epochs, quiet)
        except BaseException as error:
            model.retire()
            if self.checkpoint_dir is not None \
                    and _fit.has_checkpoint(self.checkpoint_dir, plan.fit):
                add_note(error, f"{type(self).__name__}: fit again with resume=True to go "
                                f"on from the last checkpoint in {self.checkpoint_dir}.")
            raise
        self._publish(model)
        return self

    # ------------------------------------------------------------------ the published model
    def _publishing(self) -> threading.Lock:
        """This estimator's lock for swapping its model (made on first use)."""
        lock = self.__dict__.get("_publish_lock")
        if lock is None:
            lock = self.__dict__.setdefault("_publish_lock", threading.Lock())
        return lock

    def _publish(self, model: FittedNetwork) -> None:
        """Make ``model`` the estimator's: one swap; retire the model it replaces.

        The model is sealed first: its description is what the model is from now
        on, whatever ``set_params`` does later.
        """
        model.seal()
        with self._publishing():
            old = self.__dict__.get("_model")
            for name in (old.attributes if old is not None else ()):
                if name not in model.attributes:
                    self.__dict__.pop(name, None)
            self.__dict__.update(model.attributes)
            self.__dict__["_model"] = model
        if old is not None and old is not model:
            old.retire()

    @contextlib.contextmanager
    def _reading(self, open_session: bool = True) -> Iterator[FittedNetwork]:
        """The published model, held (its Session stays open) until the block ends."""
        check_is_fitted(self)
        while True:
            model = self.__dict__["_model"]
            if model.acquire():
                break  # else: retired between the lookup and acquire; take the new one
        try:
            if open_session:
                model.ensure_open()
            yield model
        finally:
            model.release()

    def __sklearn_is_fitted__(self) -> bool:
        # One key lookup: check_is_fitted would otherwise iterate over vars(self), which
        # a fit publishing in another thread may grow meanwhile.
        return "_model" in self.__dict__

    # ------------------------------------------------------------------ inference
    def _infer(self, X, n_mc_samples: int = 0):
        """``(outputs, std or None, fitted attributes)``, all from one model.

        ``n_mc_samples > 0``: mean and std of that many passes with dropout on
        and batch norm in inference mode.
        """
        with self._reading() as model:
            X = self._validated_features(X, model.attributes)
            expected = model.attributes["n_features_in_"]
            if X.shape[1] != expected:  # a refit in another thread changed the features
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} "
                                 f"is expecting {expected} features as input.")
            if not n_mc_samples:
                return model.predict(X), None, model.attributes
            mean, std = model.predict_mc(X, n_mc_samples)
            return mean, std, model.attributes

    # ------------------------------------------------------------------ lifetime
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object's is the live __dict__
        state.pop("_publish_lock", None)
        if "_model" in state:  # the published model, whole, with its weights as arrays
            with self._reading(open_session=False) as model:
                state.update(model.attributes)
                state["_model"] = model.detached()
        return state

    def __setstate__(self, state):
        state = dict(state)
        state.setdefault("feature_scaling", None)  # pickled before the parameter existed
        super().__setstate__(state)

    def __del__(self):
        try:
            model = self.__dict__.pop("_model", None)
            if model is not None:
                model.retire()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass
