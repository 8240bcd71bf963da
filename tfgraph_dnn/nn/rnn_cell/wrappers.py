"""TF1's RNN cell wrappers: dropout, residual, device, input / output projections.

Room: ``nn.rnn_cell``.  ``DropoutWrapper``, ``ResidualWrapper`` and ``DeviceWrapper``
(``tf.nn.rnn_cell``) call the wrapped cell in the caller's variable scope, so
wrapping changes no variable name (``rnn/lstm_cell/kernel`` stays).  The
contrib projection wrappers are cells of their own with a scope
(``rnn/output_projection_wrapper/kernel``, the wrapped cell's variables
below it), as in TF1.
"""
from __future__ import annotations

import hashlib
import itertools
import numbers
from typing import Any, Callable, Iterator, Optional

import tensorflow as tf

from ...layers.activations import get_activation
from .base import LSTMStateTuple, RNNCell, assert_like_rnncell

v1 = tf.compat.v1


class _CellWrapper(RNNCell):
    """Runs ``cell`` in the caller's variable scope, altering its inputs or results."""

    def __init__(self, cell, **kwargs) -> None:
        super().__init__(**kwargs)
        assert_like_rnncell("cell", cell)
        self.cell = cell

    @property
    def wrapped_cell(self):
        """The cell this wrapper runs."""
        return self.cell

    @property
    def state_size(self):
        return self.cell.state_size

    @property
    def output_size(self):
        return self.cell.output_size

    def _sub_cells(self) -> list:
        return [self.cell]

    def zero_state(self, batch_size, dtype):
        """The wrapped cell's zero state."""
        with v1.name_scope(type(self).__name__ + "ZeroState"):
            return self.cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        """Run the wrapped cell (with ``scope``) and apply the wrapper: ``(output, new_state)``."""
        return self._wrap(inputs, state, scope)

    def _wrap(self, inputs, state, scope):
        raise NotImplementedError


def _children(value):
    """One level of a structure: (children, rebuild) or (None, None) for a leaf."""
    if isinstance(value, dict):
        keys = sorted(value)
        return [value[k] for k in keys], lambda kids: type(value)(zip(keys, kids))
    if isinstance(value, (list, tuple)):
        if hasattr(value, "_fields"):
            return list(value), lambda kids: type(value)(*kids)
        return list(value), lambda kids: type(value)(kids)
    return None, None


def _map_selected(decision, value, noise, keep: Callable, fn: Callable,
                  counter: Iterator[int]):
    """Apply ``fn(index, tensor, noise)`` to the parts of ``value`` that ``keep`` selects.

    ``decision`` is ``keep``'s answer for ``value``: a bool (``True`` on a
    structure asks ``keep`` about each child) or one bool per child.  Every
    selected or skipped part takes the next ``index`` (seeds are salted with it).
    """
    kids, rebuild = _children(value)
    noises = _children(noise)[0] if noise is not None and kids is not None else None
    noises = noises or [None] * len(kids or ())
    if isinstance(decision, bool):
        if decision and kids is not None:
            return rebuild([_map_selected(keep(k), k, n, keep, fn, counter)
                            for k, n in zip(kids, noises)])
        index = next(counter)
        return fn(index, value, noise) if decision else value
    decisions = _children(decision)[0]
    return rebuild([_map_selected(keep(k) if d is True else False, k, n, keep, fn, counter)
                    for d, k, n in zip(decisions, kids, noises)])


def default_dropout_state_filter_visitor(substate) -> Any:
    """Drop out every state part except an LSTM's memory ``c`` (and never TensorArrays)."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return not isinstance(substate, tf.TensorArray)


class DropoutWrapper(_CellWrapper):
    """Dropout on a cell's inputs, outputs and/or new state (TF1's ``DropoutWrapper``).

    Kept values are scaled by ``1 / keep_prob``.  A keep probability that is
    the constant 1 adds no op.  By default every step draws a fresh mask;
    ``variational_recurrent=True`` draws one mask per ``session.run`` and uses
    it at every step (Gal & Ghahramani).  State dropout spares an LSTM's ``c``.

    Parameters
    ----------
    cell : RNNCell
    input_keep_prob, output_keep_prob, state_keep_prob : float or scalar tensor, default=1.0
        Probabilities in ``[0, 1]`` (a placeholder switches dropout off at test time).
    variational_recurrent : bool, default=False
    input_size : int, TensorShape or nested tuple, optional
        Input depth(s); needed with ``variational_recurrent`` and input dropout.
    dtype : tf.DType, optional
        Needed with ``variational_recurrent``.
    seed : int, optional
        Op seeds are derived from it per part, as in TF1.
    dropout_state_filter_visitor : callable, optional
        ``f(substate) -> bool or one bool per child``: which state parts to drop.
    **kwargs
        :class:`~tfgraph_dnn.layers.base.Layer` arguments.

    Raises
    ------
    ValueError
        A constant keep probability outside ``[0, 1]``, or a missing
        ``dtype`` / ``input_size`` for ``variational_recurrent``.
    """

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent: bool = False, input_size=None, dtype=None,
                 seed: Optional[int] = None,
                 dropout_state_filter_visitor: Optional[Callable] = None, **kwargs) -> None:
        super().__init__(cell, dtype=dtype, **kwargs)
        if dropout_state_filter_visitor is not None and not callable(dropout_state_filter_visitor):
            raise TypeError("dropout_state_filter_visitor must be callable")
        self._state_filter = dropout_state_filter_visitor or default_dropout_state_filter_visitor
        for attr, prob in (("input", input_keep_prob), ("state", state_keep_prob),
                           ("output", output_keep_prob)):
            value = prob if isinstance(prob, numbers.Real) else tf.get_static_value(prob)
            if value is not None and not 0 <= float(value) <= 1:
                raise ValueError(f"Parameter {attr}_keep_prob must be between 0 and 1: {value}")
            setattr(self, f"_{attr}_keep_prob", float(value) if value is not None else prob)
        self._variational_recurrent = variational_recurrent
        self._seed = seed
        self._noise = {"input": None, "state": None, "output": None}
        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")
            if not isinstance(self._input_keep_prob, float) or self._input_keep_prob < 1.0:
                if input_size is None:
                    raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 "
                                     "or is unknown, input_size must be provided")
                self._noise["input"] = self._mask_noise("input", input_size, dtype)
            self._noise["state"] = self._mask_noise("state", cell.state_size, dtype)
            self._noise["output"] = self._mask_noise("output", cell.output_size, dtype)

    def _gen_seed(self, salt: str, index: int) -> Optional[int]:
        if self._seed is None:
            return None
        digest = hashlib.md5(f"{self._seed}{salt}_{index}".encode("utf-8")).hexdigest()
        return int(digest[:8], 16) & 0x7FFFFFFF

    def _mask_noise(self, salt: str, sizes, dtype):
        flat = tf.nest.flatten(sizes)
        noise = [v1.random_uniform([1] + tf.TensorShape(size).as_list(), dtype=dtype,
                                   seed=self._gen_seed(salt, index))
                 for index, size in enumerate(flat)]
        return tf.nest.pack_sequence_as(sizes, noise)

    def _dropout(self, values, salt: str, keep_prob, decision=True, keep=lambda _: True):
        def drop(index, value, noise):
            if self._variational_recurrent:
                result = value / keep_prob * tf.floor(keep_prob + noise)
                result.set_shape(value.shape)
                return result
            return tf.nn.dropout(value, rate=1 - keep_prob, seed=self._gen_seed(salt, index))

        return _map_selected(decision, values, self._noise[salt], keep, drop, itertools.count())

    def _wrap(self, inputs, state, scope):
        def active(prob) -> bool:
            return not isinstance(prob, float) or prob < 1

        if active(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._input_keep_prob)
        output, new_state = self.cell(inputs, state, scope=scope)
        if active(self._state_keep_prob):
            new_state = self._dropout(new_state, "state", self._state_keep_prob,
                                      self._state_filter(new_state), self._state_filter)
        if active(self._output_keep_prob):
            output = self._dropout(output, "output", self._output_keep_prob)
        return output, new_state


class ResidualWrapper(_CellWrapper):
    """Adds the cell's inputs to its outputs (``residual_fn(inputs, outputs)``, default ``+``).

    Parameters
    ----------
    cell : RNNCell
    residual_fn : callable, optional
        ``f(inputs, outputs) -> outputs``; default adds matching structures.
    **kwargs
        :class:`~tfgraph_dnn.layers.base.Layer` arguments.
    """

    def __init__(self, cell, residual_fn: Optional[Callable] = None, **kwargs) -> None:
        super().__init__(cell, **kwargs)
        self._residual_fn = residual_fn

    def _wrap(self, inputs, state, scope):
        outputs, new_state = self.cell(inputs, state, scope=scope)

        def add(inp, out):
            inp.shape.assert_is_compatible_with(out.shape)
            return inp + out

        if self._residual_fn is not None:
            return self._residual_fn(inputs, outputs), new_state
        tf.nest.assert_same_structure(inputs, outputs)
        return tf.nest.map_structure(add, inputs, outputs), new_state


class DeviceWrapper(_CellWrapper):
    """Runs the cell (and builds its zero state) on ``device``.

    Parameters
    ----------
    cell : RNNCell
    device : str or callable
        Anything ``tf.device`` takes.
    **kwargs
        :class:`~tfgraph_dnn.layers.base.Layer` arguments.
    """

    def __init__(self, cell, device, **kwargs) -> None:
        super().__init__(cell, **kwargs)
        self._device = device

    def zero_state(self, batch_size, dtype):
        """The wrapped cell's zero state, placed on the device."""
        with v1.device(self._device):
            return super().zero_state(batch_size, dtype)

    def _wrap(self, inputs, state, scope):
        with v1.device(self._device):
            return self.cell(inputs, state, scope=scope)


class _ProjectionWrapper(RNNCell):
    """contrib's projection wrappers: ``kernel`` and ``bias`` (zeros) in this cell's own scope."""

    def __init__(self, cell, size: int, activation, reuse: Optional[bool]) -> None:
        super().__init__(_reuse=reuse)
        assert_like_rnncell("cell", cell)
        self._cell = cell
        self._size = int(size)
        self._activation = get_activation(activation)

    @property
    def state_size(self):
        return self._cell.state_size

    def _sub_cells(self) -> list:
        return [self._cell]

    def zero_state(self, batch_size, dtype):
        """The wrapped cell's zero state."""
        with v1.name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)

    def _project(self, tensor):
        depth = tf.compat.dimension_value(tensor.shape[-1])
        if tensor.shape.rank != 2 or depth is None:
            raise ValueError(f"linear is expecting 2D arguments with a known depth: "
                             f"{tensor.shape}")
        kernel = v1.get_variable("kernel", [depth, self._size], dtype=tensor.dtype)
        bias = v1.get_variable("bias", [self._size], dtype=tensor.dtype,
                               initializer=v1.zeros_initializer())
        projected = tf.nn.bias_add(tf.matmul(tensor, kernel), bias)
        return self._activation(projected) if self._activation else projected


class InputProjectionWrapper(_ProjectionWrapper):
    """contrib's ``InputProjectionWrapper``: inputs mapped linearly to ``num_proj``, then the cell.

    Parameters
    ----------
    cell : RNNCell
    num_proj : int
    activation : str or callable, optional
        Applied to the projection (default none).
    input_size : ignored
        Deprecated in TF1.
    reuse : bool, optional
    """

    def __init__(self, cell, num_proj: int, activation=None, input_size=None,
                 reuse: Optional[bool] = None) -> None:
        super().__init__(cell, num_proj, activation, reuse)

    @property
    def output_size(self):
        return self._cell.output_size

    def call(self, inputs, state):
        return self._cell(self._project(inputs), state)


class OutputProjectionWrapper(_ProjectionWrapper):
    """contrib's ``OutputProjectionWrapper``: the cell, its output mapped to ``output_size``.

    Parameters
    ----------
    cell : RNNCell
    output_size : int
        Must be positive.
    activation : str or callable, optional
        Applied to the projection (default none).
    reuse : bool, optional
    """

    def __init__(self, cell, output_size: int, activation=None,
                 reuse: Optional[bool] = None) -> None:
        if output_size < 1:
            raise ValueError(f"Parameter output_size must be > 0: {output_size}.")
        super().__init__(cell, output_size, activation, reuse)

    @property
    def output_size(self) -> int:
        return self._size

    def call(self, inputs, state):
        output, new_state = self._cell(inputs, state)
        return self._project(output), new_state
