"""TF 1.15's canned estimators (``tf.compat.v1.estimator.DNNClassifier`` and friends) on this
package's ``Estimator``, with TF1's signatures, defaults, variable names and heads, so model
directories written by TF1 (or TF 2.x's ``tf.compat.v1.estimator``) restore, predict, evaluate
and train on here.
"""
from .baseline import BaselineClassifier, BaselineEstimator, BaselineRegressor
from .dnn import DNNClassifier, DNNEstimator, DNNRegressor
from .dnn_linear_combined import (DNNLinearCombinedClassifier, DNNLinearCombinedEstimator,
                                  DNNLinearCombinedRegressor)
from .head import Head, RegressionHead, regression_head  # noqa: F401
from .head_classification import (BinaryLogisticHead, MultiClassHead,  # noqa: F401
                                  binary_or_multi_class_head)
from .linear import LinearClassifier, LinearEstimator, LinearRegressor
from .metric_keys import MetricKeys, PredictionKeys  # noqa: F401

#: The estimators (served as ``tf.estimator.<name>``); the heads stay importable from here.
__all__ = [
    "BaselineClassifier", "BaselineEstimator", "BaselineRegressor",
    "DNNClassifier", "DNNEstimator", "DNNRegressor",
    "DNNLinearCombinedClassifier", "DNNLinearCombinedEstimator", "DNNLinearCombinedRegressor",
    "LinearClassifier", "LinearEstimator", "LinearRegressor",
]
