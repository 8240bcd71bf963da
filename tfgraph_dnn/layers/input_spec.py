"""``InputSpec``: what a layer accepts (rank, dtype, sizes on given axes), checked per call.

Room: ``layers``.  TF1's ``tf.layers.InputSpec`` (Keras' ``InputSpec`` in TF
1.15); :class:`~.base.Layer` checks its ``input_spec`` with
:func:`check_input_spec` on every call, and a violation is one ``ValueError``
naming the layer, the input and the expected property.
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

__all__ = ["InputSpec", "check_input_spec"]


class InputSpec:
    """Constraints on a layer's input: rank (exact, min, max), dtype and sizes on given axes.

    Parameters
    ----------
    dtype : tf.DType or str, optional
    shape : sequence of int or None, optional
        Full expected shape; ``None`` entries are free.
    ndim, max_ndim, min_ndim : int, optional
    axes : dict, optional
        ``{axis: size}`` that must match (negative axes count from the end).
    """

    def __init__(self, dtype=None, shape=None, ndim: Optional[int] = None,
                 max_ndim: Optional[int] = None, min_ndim: Optional[int] = None,
                 axes: Optional[dict] = None) -> None:
        self.dtype = None if dtype is None else tf.as_dtype(dtype)
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def __repr__(self) -> str:
        fields = {k: v for k, v in vars(self).items() if v not in (None, {})}
        return "InputSpec(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"


def check_input_spec(spec: Optional[InputSpec], inputs, layer_name: str) -> None:
    """Raise ``ValueError`` (naming the layer) if ``inputs`` violate ``spec``."""
    if spec is None:
        return
    for index, tensor in enumerate(tf.nest.flatten(inputs)):
        shape = tensor.shape
        where = f"Input {index} of layer {layer_name}"
        rank = shape.rank
        if spec.ndim is not None and rank is not None and rank != spec.ndim:
            raise ValueError(f"{where} is incompatible with the layer: expected ndim="
                             f"{spec.ndim}, found ndim={rank}. Full shape: {shape}")
        if spec.min_ndim is not None and rank is not None and rank < spec.min_ndim:
            raise ValueError(f"{where} is incompatible with the layer: expected min_ndim="
                             f"{spec.min_ndim}, found ndim={rank}. Full shape: {shape}")
        if spec.max_ndim is not None and rank is not None and rank > spec.max_ndim:
            raise ValueError(f"{where} is incompatible with the layer: expected max_ndim="
                             f"{spec.max_ndim}, found ndim={rank}. Full shape: {shape}")
        if spec.dtype is not None and tensor.dtype.base_dtype != spec.dtype:
            raise ValueError(f"{where} is incompatible with the layer: expected dtype="
                             f"{spec.dtype.name}, found dtype={tensor.dtype.name}")
        if rank is None:
            continue
        dims = shape.as_list()
        expected = dict(spec.axes)
        if spec.shape is not None:
            expected.update({i: d for i, d in enumerate(spec.shape) if d is not None})
        for axis, size in expected.items():
            actual = dims[axis] if -rank <= axis < rank else None
            if size is not None and actual is not None and actual != size:
                raise ValueError(f"{where} is incompatible with the layer: expected axis "
                                 f"{axis} of input shape to have value {size} but received "
                                 f"input with shape {shape}")
