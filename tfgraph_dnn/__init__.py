"""tfgraph_dnn: TensorFlow 1 graph-mode deep nets on today's TensorFlow.

``tfgraph_dnn.layers`` are drop-in replacements for ``tf.layers`` /
``tf.contrib.layers``; :class:`DNNClassifier` is a scikit-learn estimator over
the techniques of Hands-On ML chapter 11.
"""
from . import layers
from .estimator import DNNClassifier

__version__ = "0.1.0"
__all__ = ["DNNClassifier", "layers", "__version__"]
