"""tf.keras 1.15 ``Model`` (functional) and ``Sequential`` as callables on TF1 graph tensors.

Room: ``keras_tf1``.  A functional model is the list of layer calls
(:class:`~.engine.Node`) between its inputs and outputs, found by walking the
output tensors' history back to the inputs.  Calling the model on other
tensors replays those calls in its name scope (``model/dense/...``): the layers
are built already, so the weights are shared.  A ``Sequential`` is its
layers applied in order; with an ``input_shape`` on its first layer it is
built at once on a placeholder ``<layer>_input`` (variables ``dense/kernel``),
otherwise on its first call (variables ``sequential/dense/kernel``), as in
TF 1.15.  Training (``compile``/``fit``...) comes from :class:`~.training.TrainingMixin`.
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from ..layers.base import to_snake_case
from . import backend, hdf5_weights
from .engine import HISTORY, KerasLayer, record_node, shape_of
from .layers_core import InputLayer
from .training import TrainingMixin

v1 = tf.compat.v1


def _unique(items) -> list:
    seen, result = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result


def _walk(inputs: list, outputs: list) -> tuple:
    """The nodes computing ``outputs`` from ``inputs``, in execution order, and whether
    plain TensorFlow ops (no Keras layer) lie between them.

    Raises
    ------
    ValueError
        If an output depends on a placeholder that is not an input ("graph disconnected").
    """
    known = {id(t) for t in inputs}
    ordered, visited, raw_ops = [], set(), set()

    def disconnected(tensor, where: str = "") -> ValueError:
        return ValueError(f"Graph disconnected: cannot obtain value for tensor {tensor}"
                          f"{where}: it is not among the model's inputs")

    def visit(tensor) -> None:
        if id(tensor) in known:
            return
        history = getattr(tensor, HISTORY, None)
        if history is None:  # a plain TensorFlow op: walk through it (TF 1.15 accepted them)
            if tensor.op.type == "Placeholder":
                raise disconnected(tensor)
            if id(tensor.op) not in raw_ops:
                raw_ops.add(id(tensor.op))
                for parent in tensor.op.inputs:
                    visit(parent)
            return
        layer, node_index, _ = history
        node = layer._inbound_nodes[node_index]
        if id(node) in visited:
            return
        if isinstance(layer, InputLayer):
            raise disconnected(tensor, f" at layer {layer.name!r}")
        for parent in node.input_tensors:
            visit(parent)
        visited.add(id(node))
        ordered.append(node)

    for output in outputs:
        visit(output)
    return ordered, bool(raw_ops)


class Network(TrainingMixin, KerasLayer):
    """What ``Model`` and ``Sequential`` share: layers, weights, calls, summary."""

    def _network_init(self, name: Optional[str], trainable: bool = True) -> None:
        self._name = name or backend.unique_object_name(to_snake_case(type(self).__name__))
        self.trainable = trainable
        self._inbound_nodes: list = []
        self.inputs: list = []
        self.outputs: list = []
        self._own_updates: list = []
        self.built = False
        self._training_init()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self):
        return tf.as_dtype(backend.floatx())

    # ------------------------------------------------------------------- weights
    @property
    def layers(self) -> list:
        return list(self._layers)

    def get_layer(self, name: Optional[str] = None, index: Optional[int] = None):
        """A layer by name or index (ValueError naming what is missing)."""
        if index is not None:
            if not 0 <= index < len(self._layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self._layers)} layers.")
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}")

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        return _unique(w for layer in self._layers for w in layer.trainable_weights)

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    @property
    def weights(self) -> list:
        return _unique(w for layer in self._layers for w in layer.weights)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    @property
    def losses(self) -> list:
        return _unique(loss for layer in self._layers for loss in layer.losses)

    @property
    def updates(self) -> list:
        """The update ops of the model's own graph (batch-norm moving averages)."""
        return list(self._own_updates) if self.trainable else []

    def count_params(self) -> int:
        return int(sum(w.shape.num_elements() for w in self.weights))

    # ------------------------------------------------------------------- calling
    def _run(self, inputs, training):
        raise NotImplementedError

    def __call__(self, inputs, training=None, mask=None, **kwargs):
        if kwargs:
            raise TypeError(f"{self.name}: unexpected keyword argument(s) {sorted(kwargs)}")
        with v1.name_scope(self.name):
            outputs, new_updates = self._run(inputs, training)
        if not self.inputs:  # built by this first call (Sequential without input shape)
            self.inputs, self.outputs = list(tf.nest.flatten(inputs)), tf.nest.flatten(outputs)
            self._own_updates = list(new_updates)
            self.built = True
        record_node(self, inputs, (), {} if training is None else {"training": training},
                    outputs, new_updates)
        return outputs

    @staticmethod
    def _call_layer(layer, inputs, training, args=(), kwargs=None):
        """``layer(inputs)`` passing ``training`` on if it takes one; returns outputs, updates."""
        kwargs = dict(kwargs or {})
        if training is not None and "training" not in kwargs and (
                isinstance(layer, Network) or layer._expects_training()):
            kwargs["training"] = training
        outputs = layer(inputs, *args, **kwargs)
        return outputs, layer._inbound_nodes[-1].updates

    @property
    def input(self):
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    @property
    def input_shape(self):
        return shape_of(self.inputs)

    @property
    def output_shape(self):
        return shape_of(self.outputs)

    def apply(self, inputs, *args, **kwargs):
        return self.__call__(inputs, *args, **kwargs)

    # ------------------------------------------------------------------- summary
    def summary(self, line_length: int = 65, positions=None, print_fn=None) -> None:
        """Print the layers, output shapes and parameter counts, as tf.keras did."""
        print_fn = print_fn or print
        widths = [int(line_length * p) for p in (positions or (0.45, 0.85, 1.0))]

        def row(fields) -> None:
            line = ""
            for field, end in zip(fields, widths):
                line = (line + str(field))[:end].ljust(end)
            print_fn(line.rstrip())

        print_fn(f'Model: "{self.name}"')
        print_fn("_" * line_length)
        row(["Layer (type)", "Output Shape", "Param #"])
        print_fn("=" * line_length)
        shown = [l for l in self._layers if not isinstance(l, InputLayer)
                 or not isinstance(self, Sequential)]
        for index, layer in enumerate(shown):
            try:
                output_shape = layer.output_shape
            except AttributeError:
                output_shape = "multiple"
            params = layer.count_params() if layer.built else 0
            row([f"{layer.name} ({type(layer).__name__})", output_shape, params])
            print_fn(("=" if index == len(shown) - 1 else "_") * line_length)
        trainable = int(sum(w.shape.num_elements() for w in self.trainable_weights))
        print_fn(f"Total params: {self.count_params():,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {self.count_params() - trainable:,}")
        print_fn("_" * line_length)

    # --------------------------------------------------------------- checkpoints
    def save_weights(self, filepath: str, overwrite: bool = True, save_format=None) -> None:
        """Save the weights: HDF5 for ``.h5``/``.hdf5``/``.keras`` paths (or ``save_format="h5"``),
        else a TF checkpoint, as TF 1.15 chose."""
        if hdf5_weights.is_hdf5_path(filepath, save_format):
            hdf5_weights.save_weights(self.layers, filepath)
            return
        v1.train.Saver(self.weights).save(backend.get_session(), str(filepath),
                                          write_meta_graph=False)

    def load_weights(self, filepath: str, by_name: bool = False) -> None:
        """Restore weights written by :meth:`save_weights` (HDF5 by layer order or name, or a
        TF checkpoint)."""
        if hdf5_weights.is_hdf5_path(filepath):
            hdf5_weights.load_weights(self.layers, filepath, by_name=by_name)
            return
        if by_name:
            raise NotImplementedError("load_weights(by_name=True) needs an HDF5 file "
                                      "(as in TF 1.15)")
        v1.train.Saver(self.weights).restore(backend.get_session(), str(filepath))

    def save(self, *args, **kwargs) -> None:
        raise NotImplementedError("Model.save (HDF5 / SavedModel) is not provided by "
                                  "tfgraph_dnn.keras_tf1; use save_weights or tf.train.Saver")

    def to_json(self, **kwargs) -> str:
        raise NotImplementedError("Model.to_json is not provided by tfgraph_dnn.keras_tf1")


class Model(Network):
    """``tf.keras.Model(inputs, outputs, name=None)``: a functional model.

    Subclassing ``Model`` with ``call`` is not provided (``NotImplementedError``).
    """

    def __init__(self, *args, **kwargs) -> None:
        inputs = kwargs.pop("inputs", args[0] if args else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise TypeError(f"Model: keyword argument(s) not understood: {sorted(kwargs)}")
        if type(self) is not Model and not isinstance(self, Sequential) and inputs is None:
            raise NotImplementedError("Subclassed tf.keras models (a `call` method) are not "
                                      "provided by tfgraph_dnn.keras_tf1; use the functional "
                                      "API or Sequential")
        self._network_init(name, trainable)
        if isinstance(self, Sequential):
            return
        if inputs is None or outputs is None:
            raise ValueError("Model: give both `inputs` and `outputs` (functional API)")
        self._input_structure, self._output_structure = inputs, outputs
        self.inputs, self.outputs = tf.nest.flatten(inputs), tf.nest.flatten(outputs)
        self._nodes, self._has_raw_ops = _walk(self.inputs, self.outputs)
        input_layers = [getattr(t, HISTORY)[0] for t in self.inputs
                        if getattr(t, HISTORY, None) is not None]
        self._layers = _unique(input_layers + [node.layer for node in self._nodes])
        self._own_updates = [u for node in self._nodes for u in node.updates]
        self.built = True

    def _run(self, inputs, training):
        new_inputs = tf.nest.flatten(inputs)
        if len(new_inputs) != len(self.inputs):
            raise ValueError(f"Model {self.name} expects {len(self.inputs)} input(s), got "
                             f"{len(new_inputs)}")
        if self._has_raw_ops:
            raise NotImplementedError(
                f"Calling model {self.name} on new tensors is not provided by "
                "tfgraph_dnn.keras_tf1 when plain TensorFlow ops sit between its layers; wrap "
                "them in keras.layers.Lambda (fit/evaluate/predict on its own inputs work)")
        values = {id(old): new for old, new in zip(self.inputs, new_inputs)}
        updates = []
        for node in self._nodes:
            node_inputs = tf.nest.map_structure(
                lambda t: values.get(id(t), t) if tf.is_tensor(t) else t, node.inputs)
            outputs, new = self._call_layer(node.layer, node_inputs, training, node.args,
                                            node.kwargs)
            updates += new
            for old, tensor in zip(node.output_tensors, tf.nest.flatten(outputs)):
                values[id(old)] = tensor
        return tf.nest.map_structure(lambda t: values[id(t)], self._output_structure), updates


class Sequential(Model):
    """``tf.keras.Sequential(layers=None, name=None)``: layers applied one after another."""

    def __init__(self, layers=None, name: Optional[str] = None) -> None:
        super().__init__(name=name)
        self._layers: list = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Append a layer; the first one's ``input_shape`` builds the model at once.

        Raises
        ------
        TypeError
            If ``layer`` is not a tf.keras layer of this package.
        """
        if not isinstance(layer, KerasLayer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: "
                            f"{layer!r}")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("Sequential: an InputLayer can only be the first layer")
            self._layers.append(layer)
            self._set_built(layer.output)
            return
        self._layers.append(layer)
        if self.outputs:
            output = layer(self.outputs[0])
            self.outputs = [output]
            self._own_updates += layer._inbound_nodes[-1].updates
        elif len(self._layers) == 1 and getattr(layer, "_batch_input_shape", None):
            entry = InputLayer(batch_input_shape=layer._batch_input_shape,
                               dtype=layer.dtype or backend.floatx(),
                               name=f"{layer.name}_input")
            self._set_built(entry.output)
            self._own_updates = []
            self.outputs = [layer(entry.output)]
            self._own_updates += layer._inbound_nodes[-1].updates
            self._layers.insert(0, entry)

    def _set_built(self, tensor) -> None:
        self.inputs, self.outputs, self.built = [tensor], [tensor], True

    def pop(self) -> None:
        raise NotImplementedError("Sequential.pop is not provided by tfgraph_dnn.keras_tf1")

    @property
    def layers(self) -> list:
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def _run(self, inputs, training):
        outputs, updates = inputs, []
        for layer in self.layers:
            outputs, new = self._call_layer(layer, outputs, training)
            updates += new
        return outputs, updates
