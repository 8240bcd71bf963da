"""``DNNClassifier`` (room: ``estimator``; a thin facade over ``BaseDNN``).

Adds what is specific to classification: label encoding (``classes_`` may hold
strings or negative integers and ``predict`` returns them), probabilities and
accuracy as ``score``.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._base import BaseDNN


class DNNClassifier(ClassifierMixin, BaseDNN):
    """Deep neural network classifier on a TensorFlow 1 graph.

    The chapter's network: ``n_hidden`` dense layers of ``n_neurons`` units
    (or ``hidden_layer_sizes``) named ``hidden1 ... hiddenN``, a softmax output
    layer named ``logits``, trained with mini-batches on a ``tf.compat.v1``
    Session.

    Parameters
    ----------
    n_hidden : int, default=5
        Number of hidden layers.
    n_neurons : int, default=100
        Units per hidden layer.
    hidden_layer_sizes : tuple of int, default=None
        Per-layer sizes; overrides ``n_hidden`` and ``n_neurons``.
    activation : str or callable, default='elu'
        'relu', 'leaky_relu' (alpha 0.01), 'elu', 'selu', 'tanh', 'sigmoid',
        'identity' or a function of a tensor.
    initializer : str or callable, default='he_normal'
        'he_normal', 'he_uniform', 'glorot_normal', 'glorot_uniform',
        'lecun_normal', 'lecun_uniform', 'variance_scaling' or a TF initializer.
    optimizer : str, default='adam'
        'gd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam' or 'ftrl'.
    learning_rate : float, default=0.001
    beta1, beta2 : float, default=0.9, 0.999
        Adam's decay rates.
    momentum : float, default=0.9
        Momentum of 'momentum', 'nesterov' and 'rmsprop'.
    batch_size : int, default=50
    n_epochs : int, default=100
    batch_norm_momentum : float, default=None
        Batch normalization before every hidden activation when set.
    dropout_rate : float in [0, 1), default=None
        Dropout on every hidden layer's output (alpha dropout with 'selu').
    l1, l2 : float, default=0.0
        Kernel regularization strength of every layer.
    max_norm : float, default=None
        Max-norm threshold of the hidden kernels, enforced after every step.
    random_state : int, RandomState or None
        Seeds NumPy (shuffling) and the graph (initializers, dropout masks):
        the same seed gives the same predictions on CPU.
    verbose : int, default=0
        1 prints one line per epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.
    history_ : list of dict
        One row per epoch: loss, accuracy (and val_loss, val_accuracy), seconds.
    n_epochs_ : int
        Epochs actually run.
    n_layers_ : int
        Hidden layers plus the output layer.
    """

    _task = "classification"

    def _encode_targets(self, y, reset: bool, classes=None):
        y = column_or_1d(y, warn=True)
        if reset:
            check_classification_targets(y)
            self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(f"DNNClassifier needs at least 2 classes; got only 1 class: "
                                 f"{self.classes_.tolist()!r}.")
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y holds labels not seen in training (or not in classes): "
                             f"{unknown.tolist()!r}")
        return np.searchsorted(self.classes_, y).astype(np.int32)

    def partial_fit(self, X, y, classes=None):
        """Run one epoch over ``(X, y)``; ``classes`` is required on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), optional
            Every label that will ever appear.  Required on the first call.

        Returns
        -------
        self
        """
        if not self._is_built() and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return super().partial_fit(X, y, classes=classes)

    def _n_outputs(self) -> int:
        return len(self.classes_)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns ordered as ``classes_``."""
        return self._forward(X)

    def predict_proba_mc(self, X, n_samples: int = 100, return_std: bool = False):
        """Monte Carlo dropout: mean class probabilities over dropout samples.

        Each of the ``n_samples`` passes keeps dropout on (a fresh mask per
        pass) while batch norm stays in inference mode.  Without dropout every
        pass is the same and the standard deviation is 0.

        Returns
        -------
        proba : ndarray of shape (n_samples_X, n_classes)
        std : ndarray of shape (n_samples_X, n_classes)
            Only with ``return_std=True``: the spread of the probabilities.
        """
        mean, std = self._mc_statistics(X, n_samples)
        return (mean, std) if return_std else mean

    def predict(self, X) -> np.ndarray:
        """The most likely class label for each row (labels from ``classes_``)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
