"""Argument normalization and shape arithmetic shared by the conv and pooling layers.

Room: ``layers`` (pure Python plus a few layout transposes).  TF1 accepted an
int or a tuple for every size argument, padding names in any case and the
``channels_last`` / ``channels_first`` layouts; these helpers validate all of
that once, with ``ValueError`` messages that name the offending argument, and
compute output lengths exactly as TF1 did so static shapes match.
"""
from __future__ import annotations

import math
import numbers
from typing import Optional, Sequence, Tuple, Union

import tensorflow as tf

IntOrTuple = Union[int, Sequence[int]]

_PADDINGS = ("valid", "same", "causal")
_DATA_FORMATS = ("channels_last", "channels_first")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def normalize_tuple(value: IntOrTuple, n: int, name: str, owner: str = "layer",
                    minimum: int = 1) -> Tuple[int, ...]:
    """``value`` as a tuple of ``n`` ints, each ``>= minimum``.

    Raises
    ------
    ValueError
        Naming ``name`` (e.g. ``kernel_size``) when the value is not an int or a
        sequence of ``n`` ints, or when an entry is below ``minimum``.
    """
    if _is_int(value):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = ()
        if len(values) != n or not all(_is_int(v) for v in values):
            raise ValueError(f"{owner}: `{name}` must be an integer or a tuple of {n} "
                             f"integers, got {value!r}")
        values = tuple(int(v) for v in values)
    if any(v < minimum for v in values):
        raise ValueError(f"{owner}: every entry of `{name}` must be >= {minimum}, got {value!r}")
    return values


def normalize_padding(padding: str, owner: str = "layer", allow_causal: bool = False) -> str:
    """Lower-cased padding name: ``'valid'``, ``'same'`` (or ``'causal'`` for 1-D conv)."""
    allowed = _PADDINGS if allow_causal else _PADDINGS[:2]
    name = padding.lower() if isinstance(padding, str) else padding
    if name not in allowed:
        raise ValueError(f"{owner}: `padding` must be one of {allowed} (case-insensitive), "
                         f"got {padding!r}")
    return name


def normalize_data_format(data_format: Optional[str], owner: str = "layer") -> str:
    """``'channels_last'`` (also for ``None``) or ``'channels_first'``."""
    if data_format is None:
        return "channels_last"
    name = data_format.lower() if isinstance(data_format, str) else data_format
    if name not in _DATA_FORMATS:
        raise ValueError(f"{owner}: `data_format` must be one of {_DATA_FORMATS}, "
                         f"got {data_format!r}")
    return name


def check_positive_int(value, name: str, owner: str) -> int:
    """``int(value)`` if it is a positive integer, else a ``ValueError`` naming ``name``.

    A whole-number float counts (TF1's ``tf.layers.Dense`` took ``int(units)`` and
    its convolutions passed ``filters`` to ``TensorShape``, so ``z_dim / 2 == 50.0``
    ran); bools and other floats do not.
    """
    whole = isinstance(value, numbers.Real) and not isinstance(value, (numbers.Integral, bool)) \
        and math.isfinite(value) and float(value).is_integer()
    if not (_is_int(value) or whole) or value <= 0:
        raise ValueError(f"{owner}: `{name}` must be a positive integer, got {value!r}")
    return int(value)


def conv_output_length(length: Optional[int], kernel: int, padding: str, stride: int,
                       dilation: int = 1) -> Optional[int]:
    """Output length of a convolution or pooling window along one axis (``None`` stays)."""
    if length is None:
        return None
    span = kernel + (kernel - 1) * (dilation - 1)
    if padding == "valid":
        length = length - span + 1
    return (length + stride - 1) // stride


def deconv_output_length(length, kernel: int, padding: str, stride: int):
    """Output length of a transposed convolution; ``length`` may be an int or a tensor."""
    if length is None:
        return None
    if padding == "valid":
        return length * stride + max(kernel - stride, 0)
    return length * stride


def channels_last_perm(ndims: int) -> list:
    """Permutation ``(N, C, d1, ...) -> (N, d1, ..., C)``."""
    return [0] + list(range(2, ndims)) + [1]


def channels_first_perm(ndims: int) -> list:
    """Permutation ``(N, d1, ..., C) -> (N, C, d1, ...)``."""
    return [0, ndims - 1] + list(range(1, ndims - 1))


def to_channels_last(inputs: tf.Tensor, data_format: str) -> tf.Tensor:
    """Transpose NC... inputs to N...C (CPU kernels only support the latter)."""
    if data_format != "channels_first":
        return inputs
    return tf.transpose(inputs, channels_last_perm(inputs.shape.rank))


def from_channels_last(outputs: tf.Tensor, data_format: str) -> tf.Tensor:
    """Undo :func:`to_channels_last`."""
    if data_format != "channels_first":
        return outputs
    return tf.transpose(outputs, channels_first_perm(outputs.shape.rank))


def spatial_dims(shape: list, data_format: str) -> list:
    """The spatial entries of a full shape list in either layout."""
    return shape[2:] if data_format == "channels_first" else shape[1:-1]


def assemble_shape(batch, channels, space: list, data_format: str) -> list:
    """A full shape list from its batch, channel and spatial parts."""
    if data_format == "channels_first":
        return [batch, channels] + list(space)
    return [batch] + list(space) + [channels]
