"""``tf.keras.backend`` as TF 1.15 served it in graph mode: the Session, the learning phase, names.

Room: ``keras_tf1``.  Everything is kept per graph (weak keys), so a new
``tf.Graph`` starts with fresh layer names (``dense``, ``dense_1``...), a fresh
learning-phase placeholder and no tracked variables, as TF1's Keras did.

:func:`get_session` follows TF 1.15: a Session set with :func:`set_session`
wins, then the default Session (``with tf.Session() as sess:``), then one
Session the backend opens itself for the current graph.  Before returning it,
Keras variables (layer weights, optimizer state) that are not initialized yet
are initialized, so ``model.fit`` works with or without
``sess.run(tf.global_variables_initializer())``.  Nothing here changes eager
mode: it is only used inside graphs.
"""
from __future__ import annotations

import collections
import threading
import weakref
from typing import Optional

import numpy as np
import tensorflow as tf

from .. import _quiet

v1 = tf.compat.v1

_UIDS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LEARNING_PHASE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_FIXED_LEARNING_PHASE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_TRACKED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_ASSIGNERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_STATE = threading.local()

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def _graph() -> tf.Graph:
    return v1.get_default_graph()


def get_uid(prefix: str = "") -> int:
    """1, 2, 3... per ``prefix`` in the default graph (``input_1``, ``input_2``)."""
    counts = _UIDS.setdefault(_graph(), collections.Counter())
    counts[("uid", prefix)] += 1
    return counts[("uid", prefix)]


def unique_object_name(base: str) -> str:
    """``base``, then ``base_1``, ``base_2``... per graph (TF 1.15's zero-based layer names)."""
    counts = _UIDS.setdefault(_graph(), collections.Counter())
    index = counts[("object", base)]
    counts[("object", base)] += 1
    return base if index == 0 else f"{base}_{index}"


def reset_uids() -> None:
    """Forget the layer-name counters of the default graph."""
    _UIDS.pop(_graph(), None)


# ------------------------------------------------------------------ learning phase
def learning_phase():
    """The learning phase: a value set by :func:`set_learning_phase`, else a boolean
    ``placeholder_with_default(False)`` named ``keras_learning_phase`` (one per graph)."""
    graph = _graph()
    if graph in _FIXED_LEARNING_PHASE:
        return _FIXED_LEARNING_PHASE[graph]
    if graph not in _LEARNING_PHASE:
        with v1.name_scope(""):
            _LEARNING_PHASE[graph] = v1.placeholder_with_default(
                False, shape=(), name="keras_learning_phase")
    return _LEARNING_PHASE[graph]


def set_learning_phase(value: int) -> None:
    """Fix the learning phase of the default graph to 0 (test) or 1 (train)."""
    if value not in (0, 1):
        raise ValueError(f"set_learning_phase: expected 0 or 1, got {value!r}")
    _FIXED_LEARNING_PHASE[_graph()] = value


def learning_phase_feed(value: int) -> dict:
    """``{learning_phase: bool(value)}`` if the phase is a placeholder, else ``{}``."""
    phase = learning_phase()
    return {phase: bool(value)} if tf.is_tensor(phase) else {}


# ------------------------------------------------------------------------- sessions
def track_variable(variable) -> None:
    """Remember a Keras variable so :func:`get_session` initializes it when needed."""
    graph = variable.graph if hasattr(variable, "graph") else _graph()
    _TRACKED.setdefault(graph, []).append(variable)


def _initialize_variables(session) -> None:
    tracked = _TRACKED.get(session.graph, [])
    candidates = [v for v in tracked if not getattr(v, "_keras_tf1_initialized", False)]
    if not candidates:
        return
    with session.graph.as_default():
        flags = session.run([v1.is_variable_initialized(v) for v in candidates])
        missing = [v for v, done in zip(candidates, flags) if not done]
        if missing:
            session.run(v1.variables_initializer(missing))
    for variable in candidates:
        variable._keras_tf1_initialized = True


def get_session(op_input_list=()):
    """The Session Keras runs in (see the module docstring), Keras variables initialized."""
    session = getattr(_STATE, "session", None)
    if session is None or session._closed:
        session = v1.get_default_session()
        if session is None:
            own = getattr(_STATE, "own", None)
            if own is None or own._closed or own.graph is not _graph():
                if own is not None and not own._closed:
                    own.close()  # it belongs to a graph no longer the default one
                _quiet.quiet_device_setup()  # the first Session's "no GPU" notice, captured
                _STATE.own = v1.Session(graph=_graph())
            session = _STATE.own
    _initialize_variables(session)
    return session


def set_session(session) -> None:
    """Make ``session`` the one Keras uses (``None`` goes back to the default rule)."""
    _STATE.session = session


def clear_session() -> None:
    """TF 1.15: reset the default graph, Keras' Session, names and learning phase."""
    for attribute in ("session", "own"):
        session = getattr(_STATE, attribute, None)
        if session is not None and attribute == "own":
            session.close()
        setattr(_STATE, attribute, None)
    v1.reset_default_graph()


def manual_variable_initialization(value: bool) -> None:
    """Not provided: Keras variables are always initialized on first use."""
    raise NotImplementedError("keras.backend.manual_variable_initialization is not provided "
                              "by tfgraph_dnn.keras_tf1")


# ------------------------------------------------------------------ values, config
def get_value(variable):
    """The value of a variable (or tensor) as NumPy."""
    return get_session().run(variable)


def batch_get_value(tensors) -> list:
    """Values of several variables in one ``session.run``."""
    return get_session().run(list(tensors)) if tensors else []


def set_value(variable, value) -> None:
    """Assign a NumPy value through a cached placeholder (no new op per call)."""
    batch_set_value([(variable, value)])


def batch_set_value(pairs) -> None:
    """Assign several ``(variable, value)`` pairs in one ``session.run``."""
    pairs = list(pairs)
    if not pairs:
        return
    assigners = _ASSIGNERS.setdefault(pairs[0][0].graph, {})
    ops, feed = [], {}
    for variable, value in pairs:
        key = id(variable)
        if key not in assigners:
            with variable.graph.as_default(), v1.name_scope(None):
                holder = v1.placeholder(variable.dtype.base_dtype, variable.shape,
                                        name=variable.op.name.replace("/", "_") + "_assign_value")
                assigners[key] = (holder, v1.assign(variable, holder))
        holder, op = assigners[key]
        value = np.asarray(value, dtype=variable.dtype.base_dtype.as_numpy_dtype)
        if tuple(value.shape) != tuple(variable.shape.as_list()):
            raise ValueError(f"set_value: {variable.name} has shape {variable.shape}, "
                             f"got a value of shape {value.shape}")
        feed[holder] = value
        ops.append(op)
    get_session().run(ops, feed_dict=feed)


def floatx() -> str:
    """The default float type's name (``'float32'``)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"set_floatx: unknown float type {value!r}")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor of the losses and metrics (1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """``'channels_last'`` unless set otherwise."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    """Set the default image data format."""
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"set_image_data_format: unknown data format {value!r}")
    _IMAGE_DATA_FORMAT = value


def int_shape(x) -> Optional[tuple]:
    """The static shape as a tuple of ints and ``None`` (``None`` if the rank is unknown)."""
    shape = x.shape if hasattr(x, "shape") else tf.TensorShape(x)
    shape = tf.TensorShape(shape)
    return None if shape.rank is None else tuple(shape.as_list())


def placeholder(shape=None, ndim: Optional[int] = None, dtype=None, sparse: bool = False,
                name: Optional[str] = None):
    """A ``tf.placeholder`` (``ndim`` gives an all-``None`` shape)."""
    if sparse:
        raise NotImplementedError("keras.backend.placeholder(sparse=True) is not provided")
    if shape is None and ndim is not None:
        shape = (None,) * ndim
    return v1.placeholder(dtype or floatx(), shape=shape, name=name)


def is_placeholder(x) -> bool:
    """Whether ``x`` is a placeholder tensor."""
    return tf.is_tensor(x) and x.op.type in ("Placeholder", "PlaceholderWithDefault")


def count_params(x) -> int:
    """Number of scalars in a variable or tensor of static shape."""
    return int(np.prod(int_shape(x)))


def cast_to_floatx(x):
    """A NumPy array of the default float type."""
    return np.asarray(x, dtype=floatx())


# Keras' tensor functions (K.mean, K.square, K.function...), last: ``sum``/``max``/``min``/``abs``
# shadow the builtins here, as in Keras' backend module.
from .backend_ops import *  # noqa: E402,F401,F403
from .backend_ops import abs, max, min, sum  # noqa: E402,F401,A004
