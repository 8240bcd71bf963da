"""The estimators' shared facade: parameters, fit and partial_fit (room: ``estimator``).

:class:`BaseDNN` keeps the constructor's parameters and the fitted
attributes (trailing underscore) and delegates the rest: a fit validates its
data (:class:`~._prepare.PrepareMixin`), turns parameters and data shape into
one :class:`~._plan.FitPlan`, opens a :class:`~._model.FittedNetwork` for it
(new, or continuing the published one) and trains it (:mod:`._fit`); then it
*publishes* the model: one swap under this estimator's own lock.  Fitted state
changes only on success: a fit that fails or is interrupted gives its model's
Session back and leaves the previous model predicting as before (a note on
the exception says so and, with checkpoints, how to resume).

Publication and the readers of the published model (predictions,
``get_weights``, ``summary``, pickling, ``save``) are
:class:`~._published.PublishedModelMixin`'s.  Task-specific parts (targets,
outputs, scoring) live in the subclasses.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from .. import _habits
from ..model.init import MAX_SEED
from . import _fit
from ._model import FittedNetwork
from ._params import PARAMETER_CONSTRAINTS
from ._plan import FitPlan, make_plan
from ._prepare import PrepareMixin, add_note
from ._published import PublishedModelMixin


class BaseDNN(PrepareMixin, PublishedModelMixin, BaseEstimator):
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
            plan = self._plan(fitted, int(rng.randint(MAX_SEED)), n_train, fit, quiet)
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
