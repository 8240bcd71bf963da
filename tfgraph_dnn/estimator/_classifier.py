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
from ._from_tf_estimator import from_estimator_dir
from ._labels import labels_array
from ._model import check_n_samples
from ._fitted import ScoreLoggingMixin
from ._docs import COMMON_ATTRIBUTES, PARAMETERS


class DNNClassifier(ScoreLoggingMixin, ClassifierMixin, BaseDNN):
    __doc__ = """Deep neural network classifier on a TensorFlow 1 graph.

    The chapter's network: ``n_hidden`` dense layers of ``n_neurons`` units
    (or ``hidden_layer_sizes``) named ``hidden1 ... hiddenN``, a softmax output
    layer named ``logits``, trained with mini-batches on a ``tf.compat.v1``
    Session.

{parameters}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
{attributes}    """.format(parameters=PARAMETERS, attributes=COMMON_ATTRIBUTES.format(
        metrics=", accuracy", validation_score=": accuracy, as ``score``"))

    _task = "classification"

    @classmethod
    def from_estimator_dir(cls, model_dir, *, activation="relu", classes=None,
                           **params) -> "DNNClassifier":
        """A fitted classifier from a ``tf.estimator.DNNClassifier`` model directory.

        Reads the checkpoint TF1's canned ``DNNClassifier`` (or
        ``tfgraph_dnn.estimator_tf1.DNNClassifier``) wrote and returns a fitted
        estimator that predicts what it predicted, with no training:
        ``hidden_layer_sizes`` and ``n_features_in_`` come from the kernels.  ``X``'s
        columns are the estimator's input layer: its feature columns sorted by name,
        each expanded (a numeric column of shape ``(k,)`` is ``k`` columns, an
        indicator column one per vocabulary entry); a numeric column's
        ``normalizer_fn`` is not in the checkpoint -- apply it to ``X`` yourself.
        TF's binary head (one logit, a sigmoid) becomes our two-logit softmax
        ``[0, z]``, which gives the same probabilities.  ``fit`` with
        ``warm_start=True`` trains on from these weights (the optimizer starts
        fresh: TF's Adagrad slots are not carried over); ``save``, pickling and
        ``export_saved_model`` work as for any fitted estimator.

        Parameters
        ----------
        model_dir : str or path-like
            The model directory (its ``checkpoint`` file names the latest
            checkpoint) or a checkpoint prefix (``.../model.ckpt-20``).
        activation : str or callable, default='relu'
            The ``activation_fn`` the model was trained with (TF's default: relu);
            not recorded in the checkpoint.
        classes : array-like, optional
            TF's ``label_vocabulary``, in its order; ``classes_`` is it sorted.
            Default: ``0 .. n_classes - 1``.
        **params
            Other constructor parameters (``learning_rate``, ``n_epochs``... for
            later fits).  ``hidden_layer_sizes``, ``n_hidden`` and ``n_neurons`` come
            from the checkpoint; ``batch_norm_momentum``, ``feature_scaling`` and
            ``warm_start_from`` are refused.

        Returns
        -------
        DNNClassifier
            Fitted; ``n_epochs_ == 0``, ``warm_started_vars_`` lists the weights set.

        Raises
        ------
        FileNotFoundError
            Nothing at ``model_dir``.
        tfgraph_dnn.storage.CheckpointError
            No readable checkpoint, or one that does not map onto this network
            (a linear or DNN-linear-combined model, embedding columns, batch norm,
            partitioned variables): the message names the variables.

        Examples
        --------
        >>> clf = DNNClassifier.from_estimator_dir(  # doctest: +SKIP
        ...     "runs/iris_dnn", classes=["setosa", "versicolor", "virginica"])
        >>> clf.predict_proba(X_input_layer)  # doctest: +SKIP
        """
        return from_estimator_dir(cls, model_dir, activation, classes, params)

    def _targets(self, y, fitted: dict, reset: bool, classes=None,
                 name: str = "y") -> np.ndarray:
        y = column_or_1d(labels_array(y, name), warn=True)
        if classes is not None:
            classes = labels_array(classes, "classes")
        if reset:
            check_classification_targets(y)
            fitted["classes_"] = np.unique(y if classes is None else classes)
            if len(fitted["classes_"]) < 2:
                raise ValueError(f"DNNClassifier needs at least 2 classes; got only 1 class: "
                                 f"{fitted['classes_'].tolist()!r}.")
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)),
                                                        fitted["classes_"]):
            raise ValueError(f"`classes={np.asarray(classes).tolist()!r}` is not the same as "
                             f"on the first call to partial_fit, was: "
                             f"{fitted['classes_'].tolist()!r}")
        try:
            unknown = np.setdiff1d(np.unique(y), fitted["classes_"])
        except TypeError:  # labels of another type than classes_ (str vs numbers)
            unknown = np.unique(y)
        if unknown.size:
            raise ValueError(f"{name} holds labels not seen in training (or not in classes): "
                             f"{unknown.tolist()[:10]!r}; the classes are "
                             f"{fitted['classes_'].tolist()[:10]!r}")
        return np.searchsorted(fitted["classes_"], y).astype(np.int32)

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
        if not self.__sklearn_is_fitted__() and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return super().partial_fit(X, y, classes=classes)

    def _n_outputs(self, fitted=None) -> int:
        return len((vars(self) if fitted is None else fitted)["classes_"])

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns ordered as ``classes_``."""
        return self._infer(X)[0]

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
        mean, std, _ = self._infer(X, check_n_samples(n_samples))
        return (mean, std) if return_std else mean

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy on ``(X, y)`` (``y`` checked as in :meth:`fit`)."""
        return super().score(X, labels_array(y, "y"), sample_weight=sample_weight)

    def predict(self, X) -> np.ndarray:
        """The most likely class label for each row (labels from ``classes_``)."""
        proba, _, fitted = self._infer(X)  # probabilities and classes of one model
        return fitted["classes_"][np.argmax(proba, axis=1)]
