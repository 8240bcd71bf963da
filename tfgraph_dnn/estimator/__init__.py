"""scikit-learn estimators (room: ``estimator``; may use model, training, layers)."""
from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
from ._base import BaseDNN
from ._classifier import DNNClassifier
from ._regressor import DNNRegressor

__all__ = ["BaseDNN", "DNNClassifier", "DNNRegressor"]
