"""Input scaling inside the graph: ``(X - offset) / scale`` (room: ``model``).

With ``NetworkSpec.feature_scaling`` the inputs go through
:func:`scale_features`, with two non-trainable variables
``feature_scaling/offset`` and ``feature_scaling/scale`` of shape
``(n_inputs,)`` -- saved with the weights, never trained, set per fit by the
estimator.  The inference net and the training step both call it, so every
path (training, validation, predictions, MC dropout, cached frozen layers,
exports) sees the same scaled inputs.
"""
from __future__ import annotations

from typing import List

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
import tensorflow as tf

from .spec import NetworkSpec

v1 = tf.compat.v1

__all__ = ["SCALING_OFFSET", "SCALING_SCALE", "SCALING_SCOPE", "scale_features",
           "scaling_variables"]

SCALING_SCOPE = "feature_scaling"
SCALING_OFFSET = f"{SCALING_SCOPE}/offset"
SCALING_SCALE = f"{SCALING_SCOPE}/scale"


def scaling_variables(spec: NetworkSpec) -> List[tf.Variable]:
    """``[offset, scale]`` of the input scaling (created on first call, then reused).

    Non-trainable float32 variables of shape ``(n_inputs,)``, initialized to 0
    and 1 (no scaling) and assigned per fit; global, so the Saver, the weight
    snapshot and exports hold them.
    """
    with v1.variable_scope(SCALING_SCOPE, reuse=v1.AUTO_REUSE, use_resource=True):
        return [v1.get_variable(name, shape=(spec.n_inputs,), dtype=tf.float32,
                                initializer=init, trainable=False)
                for name, init in (("offset", v1.zeros_initializer()),
                                   ("scale", v1.ones_initializer()))]


def scale_features(inputs: tf.Tensor, spec: NetworkSpec) -> tf.Tensor:
    """``(inputs - offset) / scale`` when ``spec.feature_scaling``, else ``inputs``.

    The one place inputs are preprocessed: :func:`build_network` and the
    training step both call it (the variables are shared by name).
    """
    if not spec.feature_scaling:
        return inputs
    offset, scale = scaling_variables(spec)
    with v1.name_scope("scaled_features"):
        return tf.math.divide(inputs - offset, scale, name="value")

