"""TF1's RNN cells (``BasicRNNCell``, ``BasicLSTMCell``, ``LSTMCell``, ``GRUCell``), without Keras.

Room: ``nn.rnn_cell``.  Each cell is a :class:`~.base.LayerRNNCell` (so a
:class:`~tfgraph_dnn.layers.Layer`) with TF1's signature, defaults, gate order
and variable names, so TF1 checkpoints load::

    cell = BasicLSTMCell(16)                    # rnn/basic_lstm_cell/kernel, .../bias
    outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)

The namespace (cells, wrappers, bases and the ``*_rnn`` functions) is
:mod:`tfgraph_dnn.nn.rnn_cell`.
"""
from __future__ import annotations

from typing import Callable, Optional, Union

import tensorflow as tf

from ...layers.activations import get_activation
from ...layers.input_spec import InputSpec
from ...layers.initializers import get_initializer
from .base import LayerRNNCell, LSTMStateTuple, check_float_dtype

v1 = tf.compat.v1

__all__ = ["BasicLSTMCell", "BasicRNNCell", "GRUCell", "LSTMCell"]

ActivationArg = Union[str, Callable, None]


def _activation(activation: ActivationArg) -> Callable:
    """TF1's rule: a falsy activation means ``tanh``; names are looked up."""
    return get_activation(activation) if activation else tf.tanh


def _input_depth(inputs_shape) -> int:
    depth = tf.compat.dimension_value(tf.TensorShape(inputs_shape)[-1])
    if depth is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: {inputs_shape}")
    return int(depth)


def _check_inputs(*tensors) -> None:
    for tensor in tf.nest.flatten(tensors):
        check_float_dtype(tensor.dtype)


class _UnitsCell(LayerRNNCell):
    """Shared constructor of the built-in cells: ``_reuse``, 2-D inputs, float dtype."""

    def __init__(self, num_units: int, reuse: Optional[bool], name: Optional[str], dtype,
                 **kwargs) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        check_float_dtype(self.dtype)
        self.input_spec = InputSpec(ndim=2)
        self._num_units = int(num_units)


class BasicRNNCell(_UnitsCell):
    """The most basic RNN cell: ``output = new_state = act([x, state] @ kernel + bias)``.

    Variables: ``kernel`` ``[input_depth + num_units, num_units]`` (Glorot
    uniform, or the scope's initializer) and ``bias`` ``[num_units]`` (zeros).

    Parameters
    ----------
    num_units : int
    activation : str or callable, optional
        Default ``tanh``.
    reuse : bool, optional
        Reuse the variables of an existing scope of the same name.
    name : str, optional
        Scope name; default ``basic_rnn_cell`` made unique.
    dtype : tf.DType, optional
    **kwargs
        ``trainable`` and other :class:`~tfgraph_dnn.layers.base.Layer` arguments.
    """

    def __init__(self, num_units: int, activation: ActivationArg = None,
                 reuse: Optional[bool] = None, name: Optional[str] = None, dtype=None,
                 **kwargs) -> None:
        super().__init__(num_units, reuse, name, dtype, **kwargs)
        self._activation = _activation(activation)

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, inputs_shape) -> None:
        depth = _input_depth(inputs_shape)
        self._kernel = self.add_weight("kernel", [depth + self._num_units, self._num_units])
        self._bias = self.add_weight("bias", [self._num_units],
                                     initializer=v1.zeros_initializer())

    def call(self, inputs, state):
        _check_inputs(inputs, state)
        preact = tf.nn.bias_add(tf.matmul(tf.concat([inputs, state], 1), self._kernel),
                                self._bias)
        output = self._activation(preact)
        return output, output


class BasicLSTMCell(_UnitsCell):
    """TF1's basic LSTM cell: no peepholes, clipping or projection.

    One ``kernel`` ``[input_depth + num_units, 4 * num_units]`` and one ``bias``
    ``[4 * num_units]`` (zeros) hold the four gates in TF1's order
    ``i, j, f, o`` (input, candidate, forget, output)::

        c' = c * sigmoid(f + forget_bias) + sigmoid(i) * act(j)
        h' = act(c') * sigmoid(o)

    Parameters
    ----------
    num_units : int
    forget_bias : float, default=1.0
        Added to the forget gate's pre-activation (not to the variable).
    state_is_tuple : bool, default=True
        State as ``LSTMStateTuple(c, h)``; ``False`` concatenates ``[c, h]``.
    activation : str or callable, optional
        Default ``tanh``.
    reuse : bool, optional
    name : str, optional
        Default ``basic_lstm_cell`` made unique.
    dtype : tf.DType, optional
    **kwargs
        Other :class:`~tfgraph_dnn.layers.base.Layer` arguments.
    """

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation: ActivationArg = None, reuse: Optional[bool] = None,
                 name: Optional[str] = None, dtype=None, **kwargs) -> None:
        super().__init__(num_units, reuse, name, dtype, **kwargs)
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, inputs_shape) -> None:
        depth = _input_depth(inputs_shape)
        self._kernel = self.add_weight("kernel", [depth + self._num_units, 4 * self._num_units])
        self._bias = self.add_weight("bias", [4 * self._num_units],
                                     initializer=v1.zeros_initializer())

    def call(self, inputs, state):
        _check_inputs(inputs, state)
        c, h = state if self._state_is_tuple else tf.split(state, 2, axis=1)
        gates = tf.nn.bias_add(tf.matmul(tf.concat([inputs, h], 1), self._kernel), self._bias)
        i, j, f, o = tf.split(gates, 4, axis=1)
        new_c = c * tf.sigmoid(f + self._forget_bias) + tf.sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * tf.sigmoid(o)
        new_state = (LSTMStateTuple(new_c, new_h) if self._state_is_tuple
                     else tf.concat([new_c, new_h], 1))
        return new_h, new_state


class LSTMCell(_UnitsCell):
    """TF1's full LSTM cell: optional peepholes, cell clipping and output projection.

    Variables: ``kernel`` ``[input_depth + h_depth, 4 * num_units]`` (gates
    ``i, j, f, o``; ``h_depth`` is ``num_proj`` or ``num_units``), ``bias``
    (zeros), with ``use_peepholes`` ``w_f_diag``, ``w_i_diag``, ``w_o_diag``
    ``[num_units]``, and with ``num_proj`` ``projection/kernel``
    ``[num_units, num_proj]``.  The output (and ``h``) is the projected one.

    Parameters
    ----------
    num_units : int
    use_peepholes : bool, default=False
    cell_clip : float, optional
        Clip ``c`` to ``[-cell_clip, cell_clip]`` before the output activation.
    initializer : callable or str, optional
        For the kernel, the peephole weights and the projection.
    num_proj : int, optional
        Project the output to this size.
    proj_clip : float, optional
        Clip the projected output.
    num_unit_shards, num_proj_shards : int, optional
        Deprecated in TF1: split the kernel / projection into this many
        partitions (``fixed_size_partitioner``).
    forget_bias : float, default=1.0
    state_is_tuple : bool, default=True
    activation : str or callable, optional
        Default ``tanh``.
    reuse : bool, optional
    name : str, optional
        Default ``lstm_cell`` made unique.
    dtype : tf.DType, optional
    **kwargs
        Other :class:`~tfgraph_dnn.layers.base.Layer` arguments.
    """

    def __init__(self, num_units: int, use_peepholes: bool = False,
                 cell_clip: Optional[float] = None, initializer=None,
                 num_proj: Optional[int] = None, proj_clip: Optional[float] = None,
                 num_unit_shards: Optional[int] = None, num_proj_shards: Optional[int] = None,
                 forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation: ActivationArg = None, reuse: Optional[bool] = None,
                 name: Optional[str] = None, dtype=None, **kwargs) -> None:
        super().__init__(num_units, reuse, name, dtype, **kwargs)
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = get_initializer(initializer)
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._num_unit_shards = num_unit_shards
        self._num_proj_shards = num_proj_shards
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)
        h_depth = num_proj if num_proj is not None else self._num_units
        self._state_size = (LSTMStateTuple(self._num_units, h_depth) if state_is_tuple
                            else self._num_units + h_depth)
        self._output_size = h_depth

    @property
    def state_size(self):
        return self._state_size

    @property
    def output_size(self) -> int:
        return self._output_size

    def build(self, inputs_shape) -> None:
        depth = _input_depth(inputs_shape)
        n, init = self._num_units, self._initializer
        shards = (v1.fixed_size_partitioner(self._num_unit_shards)
                  if self._num_unit_shards is not None else None)
        self._kernel = self.add_weight("kernel", [depth + self._output_size, 4 * n],
                                       initializer=init, partitioner=shards)
        self._bias = self.add_weight("bias", [4 * n], initializer=v1.zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_weight("w_f_diag", [n], initializer=init)
            self._w_i_diag = self.add_weight("w_i_diag", [n], initializer=init)
            self._w_o_diag = self.add_weight("w_o_diag", [n], initializer=init)
        if self._num_proj is not None:
            shards = (v1.fixed_size_partitioner(self._num_proj_shards)
                      if self._num_proj_shards is not None else None)
            self._proj_kernel = self.add_weight("projection/kernel", [n, self._num_proj],
                                                initializer=init, partitioner=shards)

    def call(self, inputs, state):
        _check_inputs(inputs, state)
        n = self._num_units
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = tf.slice(state, [0, 0], [-1, n])
            m_prev = tf.slice(state, [0, n], [-1, self._output_size])
        gates = tf.nn.bias_add(tf.matmul(tf.concat([inputs, m_prev], 1), self._kernel),
                               self._bias)
        i, j, f, o = tf.split(gates, 4, axis=1)
        if self._use_peepholes:
            f = f + self._w_f_diag * c_prev
            i = i + self._w_i_diag * c_prev
        c = tf.sigmoid(f + self._forget_bias) * c_prev + tf.sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            o = o + self._w_o_diag * c
        m = tf.sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = tf.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = tf.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else tf.concat([c, m], 1)
        return m, new_state


class GRUCell(_UnitsCell):
    """TF1's gated recurrent unit cell.

    Variables: ``gates/kernel`` ``[input_depth + num_units, 2 * num_units]``
    and ``gates/bias`` (ones) for the reset ``r`` and update ``u`` gates, in
    that order; ``candidate/kernel`` ``[input_depth + num_units, num_units]``
    and ``candidate/bias`` (zeros)::

        c = act([x, r * h] @ candidate/kernel + candidate/bias)
        h' = u * h + (1 - u) * c

    Parameters
    ----------
    num_units : int
    activation : str or callable, optional
        Default ``tanh``.
    reuse : bool, optional
    kernel_initializer : callable or str, optional
    bias_initializer : callable or str, optional
        Replaces both biases' defaults (1.0 for the gates, 0.0 for the candidate).
    name : str, optional
        Default ``gru_cell`` made unique.
    dtype : tf.DType, optional
    **kwargs
        Other :class:`~tfgraph_dnn.layers.base.Layer` arguments.
    """

    def __init__(self, num_units: int, activation: ActivationArg = None,
                 reuse: Optional[bool] = None, kernel_initializer=None, bias_initializer=None,
                 name: Optional[str] = None, dtype=None, **kwargs) -> None:
        super().__init__(num_units, reuse, name, dtype, **kwargs)
        self._activation = _activation(activation)
        self._kernel_initializer = get_initializer(kernel_initializer)
        self._bias_initializer = get_initializer(bias_initializer)

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, inputs_shape) -> None:
        depth, n = _input_depth(inputs_shape), self._num_units
        kernel_init, bias_init = self._kernel_initializer, self._bias_initializer
        self._gate_kernel = self.add_weight("gates/kernel", [depth + n, 2 * n],
                                            initializer=kernel_init)
        self._gate_bias = self.add_weight(
            "gates/bias", [2 * n],
            initializer=bias_init if bias_init is not None else v1.constant_initializer(1.0))
        self._candidate_kernel = self.add_weight("candidate/kernel", [depth + n, n],
                                                 initializer=kernel_init)
        self._candidate_bias = self.add_weight(
            "candidate/bias", [n],
            initializer=bias_init if bias_init is not None else v1.zeros_initializer())

    def call(self, inputs, state):
        _check_inputs(inputs, state)
        gates = tf.sigmoid(tf.nn.bias_add(
            tf.matmul(tf.concat([inputs, state], 1), self._gate_kernel), self._gate_bias))
        r, u = tf.split(gates, 2, axis=1)
        candidate = tf.nn.bias_add(
            tf.matmul(tf.concat([inputs, r * state], 1), self._candidate_kernel),
            self._candidate_bias)
        new_h = u * state + (1 - u) * self._activation(candidate)
        return new_h, new_h
