"""TF1's RNN functions for ``tf.contrib.rnn``: TensorFlow's own, plus contrib's stacked ones.

Room: ``nn.rnn_cell``.  ``dynamic_rnn``, ``bidirectional_dynamic_rnn``,
``static_rnn``, ``static_bidirectional_rnn``, ``static_state_saving_rnn`` and
``raw_rnn`` are ``tf.compat.v1.nn``'s own functions (still in TensorFlow 2.21,
and they accept any object that looks like a cell, so they run
:mod:`tfgraph_dnn.nn.rnn_cell`'s cells).  ``stack_bidirectional_rnn``,
``stack_bidirectional_dynamic_rnn``, ``transpose_batch_time`` and
``best_effort_input_batch_size`` were contrib-only and are re-implemented with
TF1's signatures and scopes (``stack_bidirectional_rnn/cell_0/fw/...`` static,
``stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/...`` dynamic).
"""
from __future__ import annotations

from typing import List, Optional, Sequence

import tensorflow as tf

v1 = tf.compat.v1

dynamic_rnn = v1.nn.dynamic_rnn
bidirectional_dynamic_rnn = v1.nn.bidirectional_dynamic_rnn
static_rnn = v1.nn.static_rnn
static_bidirectional_rnn = v1.nn.static_bidirectional_rnn
static_state_saving_rnn = v1.nn.static_state_saving_rnn
raw_rnn = v1.nn.raw_rnn


def transpose_batch_time(x):
    """Swap the first two axes (batch-major <-> time-major), keeping the static shape.

    Tensors of rank < 2 are returned as they are.
    """
    x = tf.convert_to_tensor(x)
    rank = x.shape.rank
    if rank is not None and rank < 2:
        return x
    perm = tf.concat([[1, 0], tf.range(2, tf.rank(x))], axis=0)
    result = tf.transpose(x, perm)
    if rank is not None:
        dims = x.shape.as_list()
        result.set_shape([dims[1], dims[0]] + dims[2:])
    return result


def best_effort_input_batch_size(flat_input: Sequence):
    """The batch size of time-major inputs: the first static axis-1 size, else a dynamic one.

    Raises
    ------
    ValueError
        If an input has rank < 2.
    """
    for tensor in flat_input:
        shape = tensor.shape
        if shape.rank is None:
            continue
        if shape.rank < 2:
            raise ValueError(f"Input tensor should have rank >= 2. Received input={tensor} of "
                             f"rank {shape.rank}")
        batch = tf.compat.dimension_value(shape[1])
        if batch is not None:
            return batch
    return tf.shape(flat_input[0])[1]


def _check_stack_args(cells_fw, cells_bw, initial_states_fw, initial_states_bw) -> None:
    if not cells_fw:
        raise ValueError("Must specify at least one fw cell for BidirectionalRNN.")
    if not cells_bw:
        raise ValueError("Must specify at least one bw cell for BidirectionalRNN.")
    if not isinstance(cells_fw, list) or not isinstance(cells_bw, list):
        raise ValueError("cells_fw and cells_bw must be lists of RNNCells (one per layer).")
    if len(cells_fw) != len(cells_bw):
        raise ValueError("Forward and Backward cells must have the same depth.")
    for name, states in (("initial_states_fw", initial_states_fw),
                         ("initial_states_bw", initial_states_bw)):
        if states is not None and (not isinstance(states, list) or len(states) != len(cells_fw)):
            raise ValueError(f"{name} must be a list of state tensors (one per layer).")


def _layer_state(states: Optional[List], index: int):
    return states[index] if states else None


def stack_bidirectional_rnn(cells_fw: List, cells_bw: List, inputs: Sequence,
                            initial_states_fw: Optional[List] = None,
                            initial_states_bw: Optional[List] = None, dtype=None,
                            sequence_length=None, scope=None):
    """Stacked bidirectional static RNNs: layer ``i`` reads layer ``i-1``'s fw/bw concatenation.

    Parameters
    ----------
    cells_fw, cells_bw : list of RNNCell
        One per layer, same length.
    inputs : list of Tensor
        ``T`` tensors ``[batch, depth]``.
    initial_states_fw, initial_states_bw : list, optional
        One initial state per layer.
    dtype : tf.DType, optional
        Needed when initial states are not given.
    sequence_length : int tensor ``[batch]``, optional
    scope : str or VariableScope, optional
        Default ``stack_bidirectional_rnn``; layer ``i`` is ``cell_<i>``.

    Returns
    -------
    (outputs, states_fw, states_bw)
        ``T`` outputs ``[batch, fw_size + bw_size]`` of the last layer, and
        tuples of the final states of every layer.
    """
    _check_stack_args(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw, layer = [], [], inputs
    with v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with v1.variable_scope(f"cell_{i}") as cell_scope:
                layer, state_fw, state_bw = static_bidirectional_rnn(
                    cell_fw, cell_bw, layer,
                    initial_state_fw=_layer_state(initial_states_fw, i),
                    initial_state_bw=_layer_state(initial_states_bw, i),
                    sequence_length=sequence_length, dtype=dtype, scope=cell_scope)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_dynamic_rnn(cells_fw: List, cells_bw: List, inputs,
                                    initial_states_fw: Optional[List] = None,
                                    initial_states_bw: Optional[List] = None, dtype=None,
                                    sequence_length=None,
                                    parallel_iterations: Optional[int] = None,
                                    time_major: bool = False, scope=None,
                                    swap_memory: bool = False):
    """Stacked bidirectional dynamic RNNs (contrib's ``stack_bidirectional_dynamic_rnn``).

    Parameters
    ----------
    cells_fw, cells_bw : list of RNNCell
        One per layer, same length.
    inputs : Tensor
        ``[batch, time, depth]`` (``[time, batch, depth]`` with ``time_major``).
    initial_states_fw, initial_states_bw : list, optional
    dtype : tf.DType, optional
    sequence_length : int tensor ``[batch]``, optional
    parallel_iterations : int, optional
    time_major : bool, default=False
    scope : str or VariableScope, optional
        Default ``stack_bidirectional_rnn``; layer ``i`` is
        ``cell_<i>/bidirectional_rnn/{fw,bw}``.
    swap_memory : bool, default=False

    Returns
    -------
    (outputs, states_fw, states_bw)
        The last layer's outputs ``[..., fw_size + bw_size]`` and tuples of
        every layer's final states.
    """
    _check_stack_args(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw, layer = [], [], inputs
    with v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with v1.variable_scope(f"cell_{i}"):
                outputs, (state_fw, state_bw) = bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, layer,
                    initial_state_fw=_layer_state(initial_states_fw, i),
                    initial_state_bw=_layer_state(initial_states_bw, i),
                    sequence_length=sequence_length, parallel_iterations=parallel_iterations,
                    dtype=dtype, swap_memory=swap_memory, time_major=time_major)
                layer = tf.concat(outputs, 2)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer, tuple(states_fw), tuple(states_bw)
