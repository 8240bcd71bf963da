"""``DNNRegressor`` (room: ``estimator``; a thin facade over ``BaseDNN``).

Adds what is specific to regression: float targets with one or several
outputs, a linear output layer trained on the mean squared error, and R² as
``score`` (from scikit-learn's ``RegressorMixin``).
"""
from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_array

from ._base import BaseDNN
from ._from_tf_estimator import from_estimator_dir
from ._labels import labels_array
from ._model import check_n_samples
from ._fitted import ScoreLoggingMixin
from ._docs import COMMON_ATTRIBUTES, PARAMETERS


class DNNRegressor(ScoreLoggingMixin, RegressorMixin, BaseDNN):
    __doc__ = """Deep neural network regressor on a TensorFlow 1 graph.

    The chapter's network: ``n_hidden`` dense layers of ``n_neurons`` units
    (or ``hidden_layer_sizes``) named ``hidden1 ... hiddenN`` and a linear
    output layer named ``logits`` with one unit per target, trained on the mean
    squared error with mini-batches on a ``tf.compat.v1`` Session.  Targets are
    not rescaled: standardize them (e.g. with
    ``sklearn.compose.TransformedTargetRegressor``) when they are far from unit
    scale.

{parameters}
    Attributes
    ----------
    n_outputs_ : int
        Number of targets (columns of ``y``; 1 for a 1-D ``y``).
{attributes}
    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from tfgraph_dnn import DNNRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = DNNRegressor(n_hidden=2, n_neurons=32, learning_rate=0.01,
    ...                    n_epochs=50, random_state=0).fit(X, y / y.std())
    >>> reg.predict(X[:3]).shape
    (3,)
    """.format(parameters=PARAMETERS, attributes=COMMON_ATTRIBUTES.format(
        metrics="", validation_score=(
            ": R², as ``score``\n        (variance-weighted over several targets: "
            "``1 - val_loss / mean(var(y_valid))``)")))

    _task = "regression"

    @classmethod
    def from_estimator_dir(cls, model_dir, *, activation="relu",
                           **params) -> "DNNRegressor":
        """A fitted regressor from a ``tf.estimator.DNNRegressor`` model directory.

        As :meth:`DNNClassifier.from_estimator_dir`: the network comes from the
        checkpoint (``n_outputs_`` is TF's ``label_dimension``), ``X``'s columns
        are the input layer's (feature columns sorted by name), ``activation`` is
        the ``activation_fn`` it was trained with, and the result is fitted
        (predict, ``fit`` with ``warm_start=True``, ``save``, pickle, export).

        Raises
        ------
        FileNotFoundError, tfgraph_dnn.storage.CheckpointError
            As :meth:`DNNClassifier.from_estimator_dir`.
        """
        return from_estimator_dir(cls, model_dir, activation, None, params)

    def _targets(self, y, fitted: dict, reset: bool, classes=None,
                 name: str = "y") -> np.ndarray:
        y = check_array(labels_array(y, name, self._task), ensure_2d=False, dtype=np.float32,
                        input_name=name)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D; got an array of shape {y.shape}.")
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            fitted["n_outputs_"] = n_outputs
        elif n_outputs != fitted["n_outputs_"]:
            raise ValueError(f"y has {n_outputs} target(s) but this {type(self).__name__} "
                             f"was fitted on {fitted['n_outputs_']} target(s).")
        return y.reshape(-1, n_outputs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n_samples, n_outputs) is native
        return tags

    def _n_outputs(self, fitted=None) -> int:
        return (vars(self) if fitted is None else fitted)["n_outputs_"]

    @staticmethod
    def _shape_outputs(outputs: np.ndarray, fitted: dict) -> np.ndarray:
        """``(n,)`` for a single target (as ``MLPRegressor``), else ``(n, n_outputs_)``.

        As float64, the dtype scikit-learn expects of regressors (the net itself
        computes in float32).
        """
        outputs = outputs.astype(np.float64)
        return outputs.reshape(outputs.shape[:-1]) if fitted["n_outputs_"] == 1 else outputs

    def partial_fit(self, X, y):
        """Run one epoch over ``(X, y)``, building the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        return super().partial_fit(X, y)

    def score(self, X, y, sample_weight=None) -> float:
        """R² on ``(X, y)`` (``y`` checked as in :meth:`fit`)."""
        return super().score(X, labels_array(y, "y", self._task), sample_weight=sample_weight)

    def predict(self, X) -> np.ndarray:
        """Predicted targets.

        Returns
        -------
        y : ndarray of float64, of shape (n_samples,) or (n_samples, n_outputs_)
            1-D when the model has a single target.
        """
        outputs, _, fitted = self._infer(X)
        return self._shape_outputs(outputs, fitted)

    def predict_mc(self, X, n_samples: int = 100, return_std: bool = False):
        """Monte Carlo dropout: mean prediction over dropout samples.

        Each of the ``n_samples`` passes keeps dropout on (a fresh mask per
        pass) while batch norm stays in inference mode.  Without dropout every
        pass is the same and the standard deviation is 0.

        Returns
        -------
        y : ndarray of shape (n_samples_X,) or (n_samples_X, n_outputs_)
        std : ndarray of the same shape
            Only with ``return_std=True``: the spread of the predictions, an
            estimate of the model's uncertainty.
        """
        mean, std, fitted = self._infer(X, check_n_samples(n_samples))
        mean = self._shape_outputs(mean, fitted)
        return (mean, self._shape_outputs(std, fitted)) if return_std else mean
