"""scikit-learn estimators (room: ``estimator``; may use model, training, layers)."""
from ._base import BaseDNN
from ._classifier import DNNClassifier

__all__ = ["BaseDNN", "DNNClassifier"]
