"""TF1's ``tf.nn.rnn_cell`` (and ``tf.contrib.rnn``), without Keras.

On TensorFlow >= 2.16, ``tf.compat.v1.nn.rnn_cell.LSTMCell`` and its siblings
raise "not available with Keras 3" and ``tf.contrib.rnn`` is gone.  This
package re-implements them on :class:`tfgraph_dnn.layers.Layer` with TF1's
signatures, defaults, gate order and variable names, so TF1 code and
checkpoints work unchanged.  In ``import tfgraph_dnn.tf1 as tf`` it is both
``tf.nn.rnn_cell`` and ``tf.contrib.rnn``.

``tf.compat.v1.nn.dynamic_rnn``, ``static_rnn``, ``bidirectional_dynamic_rnn``
and ``raw_rnn`` still exist in TensorFlow 2.21 and duck-type their cells; they
are served here too (with contrib's ``static_*`` and ``stack_bidirectional_*``
functions) for ``tf.contrib.rnn.static_rnn``-style code.

Modules: :mod:`.base` (``RNNCell``, ``LayerRNNCell``, ``MultiRNNCell``,
``LSTMStateTuple``), :mod:`.cells` (the four cells), :mod:`.wrappers`
(dropout, residual, device, projection wrappers), :mod:`.ops` (the ``*_rnn``
functions).
"""
from ... import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
from .base import LayerRNNCell, LSTMStateTuple, MultiRNNCell, RNNCell, assert_like_rnncell
from .cells import BasicLSTMCell, BasicRNNCell, GRUCell, LSTMCell
from .ops import (best_effort_input_batch_size, bidirectional_dynamic_rnn, dynamic_rnn,
                  raw_rnn, stack_bidirectional_dynamic_rnn, stack_bidirectional_rnn,
                  static_bidirectional_rnn, static_rnn, static_state_saving_rnn,
                  transpose_batch_time)
from .wrappers import (DeviceWrapper, DropoutWrapper, InputProjectionWrapper,
                       OutputProjectionWrapper, ResidualWrapper)

__all__ = [
    # tf.nn.rnn_cell
    "BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell",
    "LSTMCell", "LSTMStateTuple", "MultiRNNCell", "RNNCell", "ResidualWrapper",
    # tf.contrib.rnn extras
    "InputProjectionWrapper", "LayerRNNCell", "OutputProjectionWrapper",
    "assert_like_rnncell", "best_effort_input_batch_size", "bidirectional_dynamic_rnn",
    "dynamic_rnn", "raw_rnn", "stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn",
    "static_bidirectional_rnn", "static_rnn", "static_state_saving_rnn",
    "transpose_batch_time",
]
