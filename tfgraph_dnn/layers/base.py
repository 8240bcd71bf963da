"""The ``Layer`` base class: TF1 ``tf.layers.Layer`` variable management, no Keras.

Room: ``layers``.  A layer object creates its variables lazily on its first
call, with ``tf.compat.v1.get_variable``, inside a variable scope captured then
as ``variable_scope(name, default_name=<snake_case class name>)``: unnamed
layers become ``dense``, ``dense_1``, ``conv2d``... unique in the current
variable scope, exactly as in TF1.  Later calls re-enter that scope with
``reuse=True``, so one object applied to several inputs shares its variables,
and ops always land in the name scope opened on the first call.

Variables are reference variables unless the enclosing variable scope says
``use_resource=True``; regularization losses join
``GraphKeys.REGULARIZATION_LOSSES`` once per created variable, and updates
(batch norm's moving averages) join ``GraphKeys.UPDATE_OPS`` after every call
of a trainable layer.  Nothing here touches eager mode globally.
"""
from __future__ import annotations

import collections
import re
import weakref
from typing import Callable, Optional, Union

import tensorflow as tf

from .._quiet import quiet_device_setup
from .input_spec import InputSpec, check_input_spec

v1 = tf.compat.v1

TrainingFlag = Union[bool, tf.Tensor]

_UNIQUE_NAMES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def static_bool(pred: TrainingFlag) -> Optional[bool]:
    """The value of a Python bool or constant boolean tensor, ``None`` if only known at run time."""
    static = pred if isinstance(pred, bool) else tf.get_static_value(pred)
    return None if static is None else bool(static)


def smart_cond(pred: TrainingFlag, true_fn: Callable, false_fn: Callable):
    """``tf.cond`` that resolves at graph-construction time when it can."""
    static = static_bool(pred)
    if static is None:
        quiet_device_setup()  # tf.cond sets the devices up: its "no GPU" line captured
        return tf.cond(pred, true_fn, false_fn)
    return true_fn() if static else false_fn()


def resolve_use_resource() -> bool:
    """TF1 default (reference variables) unless the variable scope says otherwise."""
    return bool(v1.get_variable_scope().use_resource)


def to_snake_case(name: str) -> str:
    """``Conv2DTranspose`` -> ``conv2d_transpose``, the default scope name of a class."""
    words = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    snake = re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()
    return snake if not snake.startswith("_") else "private" + snake


def _unique_object_name(base: str) -> str:
    counts = _UNIQUE_NAMES.setdefault(v1.get_default_graph(), collections.Counter())
    index = counts[base]
    counts[base] += 1
    return base if index == 0 else f"{base}_{index}"


def _add_to_collection(elements, key: str) -> None:
    collection = v1.get_collection_ref(key)
    present = {id(element) for element in collection}
    for element in elements:
        if id(element) not in present:
            collection.append(element)
            present.add(id(element))


class Layer:
    """TF1 ``tf.layers.Layer``: lazy ``get_variable`` weights in a captured variable scope.

    Parameters
    ----------
    trainable : bool, default=True
        Whether the weights join ``TRAINABLE_VARIABLES`` (and the layer's
        ``trainable_weights``); a non-trainable layer also reports no ``updates``.
    name : str, optional
        Scope name; ``None`` uses the snake-case class name made unique.
    dtype : tf.DType, optional
        Weight dtype; ``None`` takes the first input's floating dtype (else float32).
    **kwargs
        ``activity_regularizer`` and TF1's private ``_scope`` / ``_reuse`` (the
        functional forms pass their ``name`` / ``reuse`` there).  Adapters
        (``contrib.layers``) may also pass ``_variable_names`` (``{"kernel":
        "weights"}``: the stored names of the layer's variables) and
        ``_variable_collections`` (collections every variable joins besides
        ``GLOBAL_VARIABLES``, e.g. ``MODEL_VARIABLES``).
    """

    def __init__(self, trainable: bool = True, name: Optional[str] = None, dtype=None,
                 **kwargs) -> None:
        scope = kwargs.pop("_scope", None)
        self._reuse = kwargs.pop("_reuse", None)
        self._variable_names = dict(kwargs.pop("_variable_names", None) or {})
        self._variable_collections = list(kwargs.pop("_variable_collections", None) or [])
        self.activity_regularizer = kwargs.pop("activity_regularizer", None)
        kwargs.pop("autocast", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{sorted(kwargs)}")
        self.trainable = bool(trainable)
        self._dtype = None if dtype is None else tf.as_dtype(dtype)
        self.built = False
        self.input_spec: Optional[InputSpec] = None
        self._trainable_weights: list = []
        self._non_trainable_weights: list = []
        self._losses: list = []
        self._updates: list = []
        class_name = to_snake_case(type(self).__name__)
        if isinstance(name, v1.VariableScope):
            self._base_name, self._name = name.name, _unique_object_name(class_name)
        elif name:
            self._base_name = self._name = name
        else:
            self._base_name, self._name = class_name, _unique_object_name(class_name)
        self._scope = scope if isinstance(scope, v1.VariableScope) else None
        if scope and self._scope is None:
            with v1.variable_scope(scope) as captured:
                self._scope = captured
        self._current_scope = None

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        """The layer's name (the scope name of a named layer)."""
        return self._name

    @property
    def dtype(self):
        """Weight dtype, ``None`` until inferred from the first input."""
        return self._dtype

    @property
    def scope_name(self) -> str:
        """Full name of the captured variable scope; raises before the first call."""
        if self._scope is None:
            raise ValueError(f'No name available for layer scope because the layer '
                             f'"{self._name}" has not been used yet. Call the layer first.')
        return self._scope.name

    @property
    def trainable_weights(self) -> list:
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self) -> list:
        if self.trainable:
            return list(self._non_trainable_weights)
        return self._trainable_weights + self._non_trainable_weights

    @property
    def weights(self) -> list:
        """Trainable weights, then non-trainable ones."""
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    @property
    def losses(self) -> list:
        """Regularization (weight and activity) losses created by this layer."""
        return list(self._losses)

    @property
    def updates(self) -> list:
        """Update ops (e.g. moving averages); empty for a non-trainable layer, as in TF1."""
        return list(self._updates) if self.trainable else []

    def count_params(self) -> int:
        """Number of scalars in the layer's weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f"{self.name}: count_params() needs a built layer; call it first")
        return int(sum(v.shape.num_elements() for v in self.weights))

    # -------------------------------------------------------------- scope handling
    def _set_scope(self, scope=None) -> None:
        if self._scope is not None:
            return
        if self._reuse:
            with v1.variable_scope(scope if scope is not None else self._base_name) as captured:
                self._scope = captured
        else:
            with v1.variable_scope(scope, default_name=self._base_name) as captured:
                self._scope = captured

    def _name_scope(self) -> str:
        return self._current_scope.original_name_scope

    # ------------------------------------------------------------- weights, losses
    def add_weight(self, name: str, shape, dtype=None, initializer=None, regularizer=None,
                   trainable: Optional[bool] = None, constraint=None, use_resource=None,
                   synchronization=tf.VariableSynchronization.AUTO,
                   aggregation=tf.VariableAggregation.NONE, partitioner=None):
        """Create (or, when reusing, fetch) a variable of this layer with ``get_variable``.

        Parameters
        ----------
        name : str
            Variable name inside the layer's scope (``kernel``, ``bias``...).
        shape : sequence of int
        dtype : tf.DType, optional
            Defaults to the layer's dtype, then float32.
        initializer : callable, optional
            ``None`` defers to the variable scope's initializer, then Glorot uniform.
        regularizer : callable, optional
            Its loss (if not ``None``) joins ``REGULARIZATION_LOSSES`` once, when
            the variable is created.
        trainable : bool, optional
            ``None`` means ``True``; a non-trainable layer makes every weight
            non-trainable.
        constraint, use_resource, synchronization, aggregation, partitioner :
            Passed to ``tf.compat.v1.get_variable``.

        Returns
        -------
        The variable (a ``PartitionedVariable`` with a ``partitioner``).
        """
        if synchronization == tf.VariableSynchronization.ON_READ:
            if trainable:
                raise ValueError(f"{self.name}: add_weight: synchronization ON_READ needs "
                                 "trainable=False")
            trainable = False
        elif trainable is None:
            trainable = True
        dtype = tf.as_dtype(dtype or self._dtype or tf.float32)
        self._set_scope(None)
        existing = {id(v) for v in v1.global_variables()}
        collections = None
        if self._variable_collections:
            collections = [v1.GraphKeys.GLOBAL_VARIABLES] + self._variable_collections
        reuse = True if self.built else self._reuse
        with v1.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            with v1.name_scope(self._name_scope()):
                variable = v1.get_variable(
                    self._variable_names.get(name, name), shape=shape, dtype=dtype,
                    initializer=initializer if initializer is not None else scope.initializer,
                    trainable=trainable and self.trainable, constraint=constraint,
                    partitioner=partitioner, collections=collections,
                    use_resource=bool(use_resource or scope.use_resource),
                    synchronization=synchronization, aggregation=aggregation)
                parts = (list(variable) if type(variable).__name__ == "PartitionedVariable"
                         else [variable])
                is_new = scope.reuse is not True and all(id(p) not in existing for p in parts)
                if regularizer is not None and is_new:
                    for part in parts:
                        with v1.name_scope(f"{name}/Regularizer"):
                            self.add_loss(regularizer(part))
        if trainable and self.trainable:
            self._trainable_weights.append(variable)
        else:
            self._non_trainable_weights.append(variable)
        return variable

    add_variable = add_weight

    def add_loss(self, losses, inputs=None) -> None:
        """Record loss tensor(s) (callables are called) and add them to ``REGULARIZATION_LOSSES``."""
        new = []
        for loss in tf.nest.flatten(losses):
            if callable(loss):
                loss = loss()
            if loss is not None:
                new.append(loss if tf.is_tensor(loss) else tf.convert_to_tensor(loss, tf.float32))
        self._losses.extend(new)
        if not tf.executing_eagerly():
            _add_to_collection(new, v1.GraphKeys.REGULARIZATION_LOSSES)

    def add_update(self, updates, inputs=None) -> None:
        """Record update op(s) or assign tensor(s); callables are called first."""
        for update in tf.nest.flatten(updates):
            self._updates.append(update() if callable(update) else update)

    # ------------------------------------------------------------- build and call
    def build(self, input_shape) -> None:
        """Create the weights for inputs of ``input_shape`` (subclasses override)."""
        self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation (subclasses override); identity here."""
        return inputs

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        """Static output shape for ``input_shape`` (subclasses override)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  "compute_output_shape")

    def _infer_dtype(self, inputs) -> None:
        if self._dtype is None:
            first = tf.nest.flatten(inputs)[0]
            self._dtype = first.dtype.base_dtype if first.dtype.is_floating else tf.float32

    def __call__(self, inputs, *args, **kwargs):
        """Build on the first call, then apply :meth:`call` in the layer's scopes.

        A ``scope`` keyword (a name or ``VariableScope``) sets the variable scope
        of a layer that has not been called yet.
        """
        self._set_scope(kwargs.pop("scope", None))
        reuse = True if self.built else self._reuse
        with v1.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            with v1.name_scope(self._name_scope()):
                inputs = tf.nest.map_structure(
                    lambda t: t if isinstance(t, (tf.Tensor, tf.Variable, tf.SparseTensor))
                    else tf.convert_to_tensor(t), inputs)
                if not self.built:
                    self._infer_dtype(inputs)
                    check_input_spec(self.input_spec, inputs, self.name)
                    self.build(tf.nest.map_structure(lambda t: t.shape, inputs))
                    self.built = True
                check_input_spec(self.input_spec, inputs, self.name)
                outputs = self.call(inputs, *args, **kwargs)
                if outputs is None:
                    raise ValueError(f"{self.name}: call() returned None")
                self._regularize_activity(inputs, outputs)
        if not tf.executing_eagerly():
            self._publish_updates()
        return outputs

    def _publish_updates(self) -> None:
        """Add :attr:`updates` to ``UPDATE_OPS`` (after each call; adapters may override)."""
        _add_to_collection(self.updates, v1.GraphKeys.UPDATE_OPS)

    def apply(self, inputs, *args, **kwargs):
        """Same as calling the layer (TF1's ``Layer.apply``)."""
        return self.__call__(inputs, *args, **kwargs)

    def _regularize_activity(self, inputs, outputs) -> None:
        # TF1.15 divides the activity penalty by the batch size (batch-agnostic strength).
        if self.activity_regularizer is None:
            return
        with v1.name_scope("ActivityRegularizer"):
            for output in tf.nest.flatten(outputs):
                loss = self.activity_regularizer(output)
                if loss is None:
                    continue
                loss = tf.convert_to_tensor(loss)
                batch_size = tf.cast(tf.shape(output)[0], loss.dtype)
                self.add_loss(loss / batch_size, inputs=inputs)
