"""The estimator's published model and everything that reads it (room: ``estimator``).

A fit ends by *publishing* its :class:`~._model.FittedNetwork`: one swap of
``self._model`` (and the fitted attributes it carries) under the estimator's
own lock, which retires the model it replaces.  :class:`PublishedModelMixin`
owns that swap and the other side of it: readers -- predictions
(:meth:`~PublishedModelMixin._infer`), ``get_weights``, ``summary``, ``save``,
``export_saved_model`` and pickling -- take the published model once (held,
so its Session stays open) and run on it to the end, whichever fit publishes
meanwhile.  How a fit makes the model it publishes is :mod:`._base`'s.
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Iterator, Union

from sklearn.utils.validation import check_is_fitted

from . import _fitted, _persistence
from ._model import FittedNetwork

if TYPE_CHECKING:
    from ._base import BaseDNN


class PublishedModelMixin:
    """The published model of :class:`~._base.BaseDNN`: publication, readers, pickling."""

    # ------------------------------------------------------------------ public readers
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
