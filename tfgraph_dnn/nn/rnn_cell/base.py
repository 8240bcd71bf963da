"""The ``RNNCell`` base of TF1's ``tf.nn.rnn_cell``, on :class:`~tfgraph_dnn.layers.base.Layer`.

Room: ``nn.rnn_cell``.  An RNN cell is a layer called as ``cell(inputs, state)``
that returns ``(output, new_state)``.  Its variables are created on the first
call inside a variable scope captured then (``rnn/basic_lstm_cell``...), and
every later call (every time step of ``dynamic_rnn``) re-enters that scope
with ``reuse=True``, so all steps share one set of weights — TF1's behaviour,
with TF1's variable names, so TF1 checkpoints restore.

:class:`RNNCell` also tracks variables a subclass creates with
``tf.compat.v1.get_variable`` inside ``call`` (old-style custom cells), through
a custom getter, as TF1 did; :class:`LayerRNNCell` is for cells that create
their weights in ``build``.  ``tf.compat.v1.nn.dynamic_rnn`` and friends accept
any object with ``state_size``, ``output_size``, ``zero_state`` and
``__call__`` (they duck-type), so they run these cells unchanged.
:class:`MultiRNNCell` stacks cells (``multi_rnn_cell/cell_0/...``).
"""
from __future__ import annotations

import collections
from typing import Any, List, Optional, Sequence

import tensorflow as tf

from ...layers.base import Layer

v1 = tf.compat.v1


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """The state of an LSTM cell: ``(c, h)``, the memory and the output, in that order.

    Used as ``state_size`` (two ints), as ``zero_state`` and as the state a
    cell returns when ``state_is_tuple=True``.
    """

    __slots__ = ()

    @property
    def dtype(self):
        """The common dtype of ``c`` and ``h``; ``TypeError`` if they differ."""
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def assert_like_rnncell(cell_name: str, cell: Any) -> None:
    """Raise ``TypeError`` unless ``cell`` has what ``dynamic_rnn`` needs of a cell.

    Parameters
    ----------
    cell_name : str
        The argument's name, for the message.
    cell : object
        Needs ``output_size``, ``state_size``, ``zero_state`` or
        ``get_initial_state``, and must be callable.
    """
    missing = [what for what, ok in (
        ("'output_size' property is missing", hasattr(cell, "output_size")),
        ("'state_size' property is missing", hasattr(cell, "state_size")),
        ("either 'zero_state' or 'get_initial_state' method is required",
         hasattr(cell, "zero_state") or hasattr(cell, "get_initial_state")),
        ("is not callable", callable(cell))) if not ok]
    if missing:
        raise TypeError(f"The argument {cell_name!r} ({cell}) is not an RNNCell: "
                        f"{', '.join(missing)}.")


def check_float_dtype(dtype) -> None:
    """``ValueError`` unless ``dtype`` (if given) is floating or complex, as TF1 cells require."""
    if dtype is None:
        return
    dtype = tf.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_complex):
        raise ValueError(f"RNN cell only supports floating point inputs, but saw dtype: {dtype}")


def zeros_for(state_size, batch_size, dtype):
    """Zero tensors shaped ``[batch_size] + s`` for every ``s`` in the ``state_size`` structure.

    Parameters
    ----------
    state_size : int, TensorShape or nested tuple of them
    batch_size : int or scalar int tensor
    dtype : tf.DType

    Returns
    -------
    Tensor or the same nested structure of tensors.
    """
    static_batch = tf.get_static_value(batch_size) if tf.is_tensor(batch_size) else batch_size

    def zeros(size):
        dims = tf.TensorShape(size).as_list()
        if tf.is_tensor(batch_size):
            batch = tf.reshape(tf.cast(batch_size, tf.int32), [1])
            tensor = tf.zeros(tf.concat([batch, tf.constant(dims, tf.int32)], 0), dtype=dtype)
        else:
            tensor = tf.zeros([int(batch_size)] + dims, dtype=dtype)
        if not tf.executing_eagerly():
            tensor.set_shape([None if static_batch is None else int(static_batch)] + dims)
        return tensor

    return tf.nest.map_structure(zeros, state_size)


def _is_partitioned(variable) -> bool:
    return type(variable).__name__ == "PartitionedVariable"


def _unique(variables) -> list:
    return list({id(v): v for v in variables}.values())


class RNNCell(Layer):
    """TF1's ``tf.nn.rnn_cell.RNNCell``: the abstract ``(output, new_state) = cell(x, state)``.

    Subclasses define ``state_size``, ``output_size`` and ``call(inputs, state)``
    (creating weights in ``build`` with ``add_weight``, or in ``call`` with
    ``tf.compat.v1.get_variable``).

    Parameters
    ----------
    trainable : bool, default=True
    name : str, optional
        Scope name; default the snake-case class name, made unique.
    dtype : tf.DType, optional
        Weight dtype; default the first input's.
    **kwargs
        Passed to :class:`~tfgraph_dnn.layers.base.Layer` (``_reuse``, ``_scope``).
    """

    def __init__(self, trainable: bool = True, name: Optional[str] = None, dtype=None,
                 **kwargs) -> None:
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._is_tf_rnn_cell = True

    @property
    def state_size(self):
        """Size(s) of the state: an int, a TensorShape or a nested tuple of them."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        """Size of the output: an int or a TensorShape."""
        raise NotImplementedError("Abstract method")

    def __call__(self, inputs, state, scope=None, *args, **kwargs):
        """Run one step: ``(output, new_state)``.

        Parameters
        ----------
        inputs : Tensor
            ``[batch_size, input_size]``.
        state : Tensor or nested tuple of tensors
            Matching ``state_size``.
        scope : str or VariableScope, optional
            Variable scope of a cell not called yet; default: the class's
            scope name, made unique in the current variable scope.

        Returns
        -------
        (output, new_state)
        """
        if scope is not None:
            with v1.variable_scope(scope, custom_getter=self._track_variable) as captured:
                return super().__call__(inputs, state, *args, scope=captured, **kwargs)
        with v1.variable_scope(v1.get_variable_scope(), custom_getter=self._track_variable,
                               auxiliary_name_scope=False):
            return super().__call__(inputs, state, *args, **kwargs)

    def _track_variable(self, getter, *args, **kwargs):
        """Custom getter: remember every variable fetched while this cell runs."""
        variable = getter(*args, **kwargs)
        first = list(variable)[0] if _is_partitioned(variable) else variable
        trainable = any(first is v for v in v1.trainable_variables())
        target = self._trainable_weights if trainable else self._non_trainable_weights
        if all(variable is not v for v in target):
            target.append(variable)
        return variable

    def add_weight(self, name: str, shape, *args, **kwargs):
        """:meth:`Layer.add_weight`, tracked once even though the custom getter saw it too."""
        variable = super().add_weight(name, shape, *args, **kwargs)
        self._trainable_weights = _unique(self._trainable_weights)
        self._non_trainable_weights = _unique(self._non_trainable_weights)
        return variable

    add_variable = add_weight

    # ----------------------------------------------------------- weights of sub-cells
    def _sub_cells(self) -> List[Any]:
        """Cells whose weights count as this cell's (wrapped / stacked cells)."""
        return []

    def _gather_weights(self, trainable: bool) -> list:
        subs = [c for c in self._sub_cells() if hasattr(c, "trainable_weights")]
        own_t = _unique(self._trainable_weights + [v for c in subs for v in c.trainable_weights])
        ids = {id(v) for v in own_t}
        own_n = [v for v in _unique(self._non_trainable_weights
                                    + [v for c in subs for v in c.non_trainable_weights])
                 if id(v) not in ids]
        if self.trainable:
            return own_t if trainable else own_n
        return [] if trainable else own_t + own_n

    @property
    def trainable_weights(self) -> list:
        return self._gather_weights(True)

    @property
    def non_trainable_weights(self) -> list:
        return self._gather_weights(False)

    @property
    def weights(self) -> list:
        """Trainable weights, then non-trainable ones (of this cell and its sub-cells)."""
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    # ----------------------------------------------------------------- initial state
    def build(self, _) -> None:
        """Nothing to create by default (old-style cells create weights in ``call``)."""

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero state sized from ``inputs`` (batch and dtype) or from ``batch_size`` and ``dtype``.

        Raises
        ------
        ValueError
            If ``batch_size`` / ``dtype`` contradict ``inputs``, or neither is available.
        """
        if inputs is not None:
            inputs = tf.convert_to_tensor(inputs, name="inputs")
            static = tf.compat.dimension_value(inputs.shape[0]) if inputs.shape.rank else None
            if batch_size is not None:
                wanted = (tf.get_static_value(batch_size, partial=True)
                          if tf.is_tensor(batch_size) else batch_size)
                if static != wanted:
                    raise ValueError("batch size from input tensor is different from the input "
                                     f"param. Input tensor batch: {static}, batch_size: "
                                     f"{batch_size}")
            if dtype is not None and inputs.dtype != dtype:
                raise ValueError("dtype from input tensor is different from the input param. "
                                 f"Input tensor dtype: {inputs.dtype}, dtype: {dtype}")
            batch_size = static if static is not None else tf.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError("batch_size and dtype cannot be None while constructing initial "
                             f"state: batch_size={batch_size}, dtype={dtype}")
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """Zero-filled state: ``[batch_size, s]`` tensors for each ``s`` in ``state_size``.

        Parameters
        ----------
        batch_size : int or scalar int tensor
        dtype : tf.DType

        Returns
        -------
        Tensor or nested tuple of tensors (e.g. an :class:`LSTMStateTuple`).
        """
        with v1.name_scope(type(self).__name__ + "ZeroState"):
            return zeros_for(self.state_size, batch_size, dtype)


class LayerRNNCell(RNNCell):
    """An :class:`RNNCell` that creates all its weights in ``build`` (TF1's ``LayerRNNCell``).

    Called directly as a layer, without :class:`RNNCell`'s variable-tracking
    custom getter.
    """

    def __call__(self, inputs, state, scope=None, *args, **kwargs):
        """Run one step: ``(output, new_state)`` (see :meth:`RNNCell.__call__`)."""
        return Layer.__call__(self, inputs, state, *args, scope=scope, **kwargs)


class MultiRNNCell(RNNCell):
    """Cells stacked in order: each one's output is the next one's input.

    Cell ``i`` runs in the sub-scope ``cell_<i>`` of this cell's scope
    (``rnn/multi_rnn_cell/cell_0/lstm_cell/kernel``...).

    Parameters
    ----------
    cells : list of RNNCell
        Distinct objects (one object twice shares its weights).
    state_is_tuple : bool, default=True
        State as a tuple with one entry per cell; ``False`` concatenates them
        (every cell then needs a non-tuple state).

    Raises
    ------
    ValueError
        If ``cells`` is empty, or ``state_is_tuple=False`` with a tuple-state cell.
    TypeError
        If ``cells`` is not a list or tuple.
    """

    def __init__(self, cells: Sequence[RNNCell], state_is_tuple: bool = True) -> None:
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not isinstance(cells, (list, tuple)):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        self._cells = cells
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(tf.nest.is_nested(c.state_size) for c in cells):
            raise ValueError("Some cells return tuples of states, but the flag state_is_tuple "
                             f"is not set.  State sizes are: {[c.state_size for c in cells]}")

    @property
    def state_size(self):
        sizes = tuple(cell.state_size for cell in self._cells)
        return sizes if self._state_is_tuple else sum(sizes)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def _sub_cells(self) -> list:
        return list(self._cells)

    def zero_state(self, batch_size, dtype):
        """One zero state per cell (a tuple), or their concatenation."""
        if not self._state_is_tuple:
            return super().zero_state(batch_size, dtype)
        with v1.name_scope(type(self).__name__ + "ZeroState"):
            return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)

    def call(self, inputs, state):
        if self._state_is_tuple and not tf.nest.is_nested(state):
            raise ValueError(f"Expected state to be a tuple of length {len(self._cells)}, "
                             f"but received: {state}")
        current, new_states, position = inputs, [], 0
        for index, cell in enumerate(self._cells):
            with v1.variable_scope(f"cell_{index}"):
                if self._state_is_tuple:
                    cell_state = state[index]
                else:
                    cell_state = tf.slice(state, [0, position], [-1, cell.state_size])
                    position += cell.state_size
                current, new_state = cell(current, cell_state)
                new_states.append(new_state)
        return current, (tuple(new_states) if self._state_is_tuple
                         else tf.concat(new_states, 1))
