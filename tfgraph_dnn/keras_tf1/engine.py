"""TF 1.15 ``tf.keras`` layer behaviour on top of ``tfgraph_dnn.layers.Layer``.

Room: ``keras_tf1``.  :class:`KerasLayer` is a mixin placed before one of our
``tf.layers`` classes (``class Dense(KerasLayer, layers.Dense)``): the maths and
the variable management stay theirs, the mixin changes only what tf.keras did
differently from tf.layers in a TF1 graph:

* names come from a per-graph counter of the snake-case class name (``dense``,
  ``dense_1``...: :func:`backend.unique_object_name`), and variables follow the
  *name* scope, made unique on the first call, not the variable scope
  (``sequential_1/dense_4/kernel:0``; a second layer named ``fc`` gets
  ``fc_1/kernel``).  They are resource variables, as tf.keras 1.15 made them;
* weight regularization losses are kept on the layer (``layer.losses``) and
  not added to ``REGULARIZATION_LOSSES``, and batch-norm updates stay in
  ``layer.updates`` and not in ``UPDATE_OPS`` (tf.keras 1.15 did neither);
* a call without ``training=`` uses :func:`backend.learning_phase`;
* each call is recorded as a :class:`Node` on the output tensors, which is what
  the functional :class:`~.network.Model` walks;
* ``input_shape`` / ``input_dim`` / ``batch_input_shape`` / ``batch_size`` /
  ``weights`` keyword arguments, ``get_weights`` / ``set_weights``.
"""
from __future__ import annotations

import inspect
from typing import Optional

import tensorflow as tf

from ..layers import base as tf_layers_base
from . import backend
from . import initializers as keras_initializers
from . import regularizers as keras_regularizers

v1 = tf.compat.v1

_LAYER_KWARGS = frozenset({"input_shape", "batch_input_shape", "batch_size", "input_dim",
                           "dtype", "name", "trainable", "weights", "input_length"})
HISTORY = "_keras_tf1_history"


class Node:
    """One call of a layer: its input structure, extra arguments, outputs and new updates."""

    def __init__(self, layer, inputs, args, kwargs, outputs, updates) -> None:
        self.layer, self.inputs, self.args, self.kwargs = layer, inputs, args, kwargs
        self.outputs, self.updates = outputs, list(updates)

    @property
    def input_tensors(self) -> list:
        return [t for t in tf.nest.flatten(self.inputs) if tf.is_tensor(t)]

    @property
    def output_tensors(self) -> list:
        return tf.nest.flatten(self.outputs)


def record_node(layer, inputs, args, kwargs, outputs, updates) -> None:
    """Attach a :class:`Node` of ``layer`` to its output tensors and its ``_inbound_nodes``."""
    node = Node(layer, inputs, args, kwargs, outputs, updates)
    layer._inbound_nodes.append(node)
    for index, tensor in enumerate(node.output_tensors):
        try:
            setattr(tensor, HISTORY, (layer, len(layer._inbound_nodes) - 1, index))
        except AttributeError:  # a variable or other object that takes no attributes
            pass


def shape_of(structure):
    """Static shape(s) as tuples, for ``output_shape`` and ``summary``."""
    shapes = [backend.int_shape(t) for t in tf.nest.flatten(structure)]
    return shapes[0] if len(shapes) == 1 else shapes


class KerasLayer:
    """Mixin giving a ``tfgraph_dnn.layers`` class tf.keras 1.15's naming and graph behaviour."""

    def _keras_init(self, kwargs: dict) -> dict:
        """Consume Keras' layer keyword arguments; return ``name``/``trainable``/``dtype``.

        Raises
        ------
        TypeError
            For an argument no tf.keras layer accepted, naming it.
        """
        unknown = sorted(set(kwargs) - _LAYER_KWARGS)
        if unknown:
            raise TypeError(f"{type(self).__name__}: keyword argument(s) not understood: "
                            f"{unknown}")
        batch_shape = kwargs.pop("batch_input_shape", None)
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        input_length = kwargs.pop("input_length", None)
        if input_shape is None and input_dim is not None:
            input_shape = (input_length, input_dim) if input_length else (input_dim,)
        if batch_shape is None and input_shape is not None:
            batch_shape = (kwargs.pop("batch_size", None),) + tuple(input_shape)
        kwargs.pop("batch_size", None)
        self._batch_input_shape = None if batch_shape is None else tuple(batch_shape)
        self._initial_weights = kwargs.pop("weights", None)
        name = kwargs.pop("name", None) or backend.unique_object_name(
            tf_layers_base.to_snake_case(type(self).__name__))
        self._inbound_nodes: list = []
        self.supports_masking = False
        return {"name": name, "trainable": kwargs.pop("trainable", True),
                "dtype": kwargs.pop("dtype", None)}

    # ------------------------------------------------------------- tf.keras scoping
    def _set_scope(self, scope=None) -> None:
        if self._scope is not None:
            return
        if scope is not None:
            raise TypeError(f"{self.name}: tf.keras layers take no `scope` argument")
        with v1.name_scope(self._name) as unique:  # unique in the graph: "dense_1/"
            pass
        self._scope = v1.VariableScope(False, name=unique[:-1], name_scope=unique,
                                       use_resource=True)

    def _name_scope(self) -> str:
        # First call: the unique scope the weights live in; later calls open a fresh
        # relative scope, as tf.keras did (``model/dense/BiasAdd`` when a model replays it).
        if not self.built:
            return self._current_scope.original_name_scope
        return self._name

    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, **kwargs):
        """tf.keras' ``add_weight``: string initializers/regularizers, Glorot by default."""
        dtype = tf.as_dtype(dtype or self._dtype or backend.floatx())
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        variable = super().add_weight(name, shape, dtype, keras_initializers.get(initializer),
                                      keras_regularizers.get(regularizer), trainable,
                                      constraint, **kwargs)
        backend.track_variable(variable)
        return variable

    add_variable = add_weight

    def add_loss(self, losses, inputs=None) -> None:
        """Keep losses on the layer only (tf.keras did not use ``REGULARIZATION_LOSSES``)."""
        for loss in tf.nest.flatten(losses):
            loss = loss() if callable(loss) else loss
            if loss is not None:
                self._losses.append(loss if tf.is_tensor(loss)
                                    else tf.convert_to_tensor(loss, tf.float32))

    def _publish_updates(self) -> None:
        """tf.keras 1.15 left updates on the layer (``model.updates``), not in ``UPDATE_OPS``."""

    # ----------------------------------------------------------------------- calling
    def _expects_training(self) -> bool:
        return "training" in inspect.signature(self.call).parameters

    def __call__(self, inputs, *args, **kwargs):
        kwargs.pop("mask", None)  # masking is not provided; Embedding(mask_zero=True) says so
        user_kwargs = dict(kwargs)
        if self._expects_training() and kwargs.get("training") is None:
            phase = backend.learning_phase()
            kwargs["training"] = phase if tf.is_tensor(phase) else bool(phase)
        first_call = not self.built
        before = len(self._updates)
        outputs = super().__call__(inputs, *args, **kwargs)
        record_node(self, inputs, args, user_kwargs, outputs, self._updates[before:])
        if first_call and self._initial_weights is not None:
            self.set_weights(self._initial_weights)
        return outputs

    # ----------------------------------------------------------------------- weights
    def get_weights(self) -> list:
        """The weights' values as NumPy arrays (in :attr:`weights` order)."""
        return backend.batch_get_value(self.weights)

    def set_weights(self, weights) -> None:
        """Assign NumPy values to :attr:`weights`, in order.

        Raises
        ------
        ValueError
            If the number of arrays or a shape does not match.
        """
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(f'You called `set_weights(weights)` on layer "{self.name}" with a '
                             f"weight list of length {len(weights)}, but the layer was "
                             f"expecting {len(params)} weights.")
        backend.batch_set_value(list(zip(params, weights)))

    # ------------------------------------------------------------ node-derived shapes
    def _first_node(self, what: str) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no {what} to return.")
        return self._inbound_nodes[0]

    @property
    def input(self):
        node = self._first_node("input")
        flat = node.input_tensors
        return flat[0] if len(flat) == 1 else flat

    @property
    def output(self):
        return self._first_node("output").outputs

    @property
    def input_shape(self):
        return shape_of(self._first_node("input").input_tensors)

    @property
    def output_shape(self):
        return shape_of(self._first_node("output").outputs)

    def get_config(self) -> dict:
        """The name/trainable/dtype part of tf.keras' config (the rest is not provided)."""
        return {"name": self.name, "trainable": self.trainable,
                "dtype": None if self.dtype is None else self.dtype.name}


class Layer(KerasLayer, tf_layers_base.Layer):
    """``tf.keras.layers.Layer`` for subclassing: override ``build`` and ``call``."""

    def __init__(self, trainable: bool = True, name: Optional[str] = None, dtype=None,
                 **kwargs) -> None:
        kwargs.update(trainable=trainable, dtype=dtype)
        if name:
            kwargs["name"] = name
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        kwargs.pop("dynamic", None)
        tf_layers_base.Layer.__init__(
            self, activity_regularizer=keras_regularizers.get(activity_regularizer),
            **self._keras_init(kwargs))
