"""tf.keras 1.15 core layers for TF1 graphs: thin Keras-named wrappers over ``tfgraph_dnn.layers``.

Room: ``keras_tf1``.  ``Dense``, ``Dropout`` and ``Flatten`` are our
``tf.layers`` classes with Keras' signatures and defaults (string initializers,
``'glorot_uniform'``/``'zeros'``); the layers tf.layers never had
(``InputLayer``/``Input``, ``Activation``, ``Reshape``, ``Lambda``,
``LeakyReLU``, ``ReLU``, ``Softmax``, ``Embedding``) are small
:class:`~.engine.Layer` subclasses whose maths is a single TensorFlow op.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
import tensorflow as tf

from .. import layers as tf_layers
from . import activations, backend, initializers, regularizers
from .engine import KerasLayer, Layer, record_node

v1 = tf.compat.v1


def _act(activation):
    return None if activation is None else activations.get(activation)


class Dense(KerasLayer, tf_layers.Dense):
    """``tf.keras.layers.Dense``: ``activation(inputs @ kernel + bias)``."""

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs) -> None:
        tf_layers.Dense.__init__(
            self, int(units), activation=_act(activation), use_bias=use_bias,
            kernel_initializer=initializers.get(kernel_initializer),
            bias_initializer=initializers.get(bias_initializer),
            kernel_regularizer=regularizers.get(kernel_regularizer),
            bias_regularizer=regularizers.get(bias_regularizer),
            activity_regularizer=regularizers.get(activity_regularizer),
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
            **self._keras_init(kwargs))


class Dropout(KerasLayer, tf_layers.Dropout):
    """``tf.keras.layers.Dropout``: active when ``training`` (default: the learning phase)."""

    def __init__(self, rate: float, noise_shape: Optional[Sequence] = None,
                 seed: Optional[int] = None, **kwargs) -> None:
        tf_layers.Dropout.__init__(self, rate, noise_shape=noise_shape, seed=seed,
                                   **self._keras_init(kwargs))

    def call(self, inputs, training=None):
        return tf_layers.Dropout.call(self, inputs, training=training)


class Flatten(KerasLayer, tf_layers.Flatten):
    """``tf.keras.layers.Flatten``."""

    def __init__(self, data_format: Optional[str] = None, **kwargs) -> None:
        tf_layers.Flatten.__init__(self, data_format=data_format or backend.image_data_format(),
                                   **self._keras_init(kwargs))


class InputLayer(Layer):
    """``tf.keras.layers.InputLayer``: a placeholder (or a given tensor) as a model's entry."""

    def __init__(self, input_shape=None, batch_size: Optional[int] = None, dtype=None,
                 input_tensor=None, sparse: bool = False, name: Optional[str] = None,
                 **kwargs) -> None:
        if sparse:
            raise NotImplementedError("InputLayer(sparse=True) is not provided by "
                                      "tfgraph_dnn.keras_tf1")
        batch_shape = kwargs.pop("batch_input_shape", None)
        if kwargs:
            raise TypeError(f"InputLayer: keyword argument(s) not understood: {sorted(kwargs)}")
        name = name or f"input_{backend.get_uid('input')}"
        dtype = tf.as_dtype(dtype or (input_tensor.dtype if input_tensor is not None
                                      else backend.floatx()))
        super().__init__(name=name, dtype=dtype)
        if input_tensor is None:
            if batch_shape is None:
                if input_shape is None:
                    raise ValueError("InputLayer: give input_shape, batch_input_shape or "
                                     "input_tensor")
                batch_shape = (batch_size,) + tuple(input_shape)
            input_tensor = v1.placeholder(dtype, shape=batch_shape, name=name)
        self.is_placeholder = input_tensor.op.type == "Placeholder"
        self._batch_input_shape = backend.int_shape(input_tensor)
        self.built = True
        record_node(self, [], (), {}, input_tensor, [])

    def __call__(self, inputs, *args, **kwargs):
        raise TypeError(f"{self.name}: an InputLayer is not called; use its output")


def Input(shape=None, batch_size: Optional[int] = None, name: Optional[str] = None,
          dtype=None, sparse: bool = False, tensor=None, batch_shape=None, **kwargs):
    """``tf.keras.Input``: a placeholder (``input_1``, ``input_2``...) for a functional model.

    ``shape`` excludes the batch axis; ``tensor=`` wraps an existing graph tensor
    (a ``tf.placeholder``, a queue or ``tf.data`` output) instead.
    """
    if kwargs:
        raise TypeError(f"Input: keyword argument(s) not understood: {sorted(kwargs)}")
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input either a `shape` or a `tensor` argument. "
                         "Note that `shape` does not include the batch dimension.")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype,
                       input_tensor=tensor, sparse=sparse, name=name,
                       **({"batch_input_shape": batch_shape} if batch_shape else {}))
    return layer.output


class Activation(Layer):
    """``tf.keras.layers.Activation``: applies a named or given activation."""

    def __init__(self, activation, **kwargs) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)


class Reshape(Layer):
    """``tf.keras.layers.Reshape``: ``target_shape`` excludes the batch axis; one ``-1`` allowed."""

    def __init__(self, target_shape, **kwargs) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"Reshape: there must be at most one unknown dimension in "
                             f"target_shape, got {self.target_shape}")

    def call(self, inputs):
        outputs = tf.reshape(inputs, (tf.shape(inputs)[0],) + self.target_shape)
        known = inputs.shape[1:]
        static = list(self.target_shape)
        if -1 in static and known.is_fully_defined():
            rest = int(np.prod([d for d in static if d != -1]))
            static[static.index(-1)] = int(np.prod(known.as_list())) // rest
        outputs.set_shape([inputs.shape[0]] + [None if d == -1 else d for d in static])
        return outputs


class Lambda(Layer):
    """``tf.keras.layers.Lambda``: wraps ``function(inputs, **arguments)`` (no weights)."""

    def __init__(self, function: Callable, output_shape=None, mask=None,
                 arguments: Optional[dict] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.function, self.arguments = function, dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)


class LeakyReLU(Layer):
    """``tf.keras.layers.LeakyReLU`` (Keras' default slope ``alpha=0.3``)."""

    def __init__(self, alpha: float = 0.3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return tf.nn.leaky_relu(inputs, alpha=self.alpha)


class ReLU(Layer):
    """``tf.keras.layers.ReLU(max_value, negative_slope, threshold)``."""

    def __init__(self, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs):
        return activations.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)


class Softmax(Layer):
    """``tf.keras.layers.Softmax(axis=-1)``."""

    def __init__(self, axis: int = -1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return activations.softmax(inputs, axis=self.axis)


class Embedding(Layer):
    """``tf.keras.layers.Embedding``: rows of ``embeddings`` (``[input_dim, output_dim]``)."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero: bool = False,
                 input_length: Optional[int] = None, **kwargs) -> None:
        if mask_zero:
            raise NotImplementedError("Embedding(mask_zero=True): masking is not provided by "
                                      "tfgraph_dnn.keras_tf1")
        if "input_shape" not in kwargs and input_length is not None:
            kwargs["input_shape"] = (input_length,)
        kwargs.setdefault("dtype", "float32")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.input_length = input_length

    def build(self, input_shape) -> None:
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self.dtype,
            self.embeddings_initializer, self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        if not inputs.dtype.is_integer:
            inputs = tf.cast(inputs, tf.int32)
        return tf.nn.embedding_lookup(self.embeddings, inputs)
