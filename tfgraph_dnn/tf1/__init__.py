"""``import tfgraph_dnn.tf1 as tf``: TensorFlow 1's namespace on today's TensorFlow.

Everything of ``tf.compat.v1``, plus what TensorFlow 2 lost and ``tfgraph_dnn``
re-implements: ``tf.layers`` (all of TF1's layers, functions and classes),
``tf.contrib.layers``, ``tf.contrib.framework`` (``arg_scope``...),
``tf.contrib.losses``, ``tf.contrib.metrics`` (streaming metrics),
``tf.contrib.slim`` (its layer-building part), ``tf.contrib.distributions``,
``tf.contrib.learn``'s ``MetricSpec`` / ``PredictionKey``, ``tf.keras`` as TF 1.15
served it in graphs (:mod:`tfgraph_dnn.keras_tf1`), ``tf.estimator``
(:mod:`tfgraph_dnn.estimator_tf1`) and TF1's RNN cells
(``tf.nn.rnn_cell`` and ``tf.contrib.rnn``: :mod:`tfgraph_dnn.nn.rnn_cell`;
``tf.nn`` is ``tf.compat.v1.nn`` with that ``rnn_cell``, so ``tf.nn.dynamic_rnn``
runs them).  A TF1 script runs by
changing its import line; ``from tfgraph_dnn.tf1.contrib.layers import
fully_connected`` works for the ``from`` form.  ``tfgraph-dnn migrate`` makes
that change for you.

**Importing this module switches the process to TF1 semantics** — that is its
purpose.  It calls ``tf.compat.v1.disable_v2_behavior()``: graph mode instead of
eager execution, reference variables, TF1's ``TensorShape`` (``shape[1].value``,
``dims[i].value``), v1 control flow, so ``tf.placeholder``, ``tf.Session`` and
``tf.reset_default_graph()`` work at a script's top level as in TF1.  It also
hides TensorFlow's deprecation notices (TF1 code uses deprecated APIs on
purpose) and, unless ``TF_CPP_MIN_LOG_LEVEL`` is set, TensorFlow's C++ start-up
notices.  Its shape-taking functions (``placeholder``, ``get_variable``,
``zeros``, ``reshape``, ``random_normal``... table in :mod:`tfgraph_dnn.tf1_dims`)
take TF1's whole-number float dimensions (``z_dim / 2 == 50.0``); they are
wrappers in this namespace, TensorFlow's own functions are not changed.
Nothing else in ``tfgraph_dnn`` changes TensorFlow's mode: import
``tfgraph_dnn.layers`` / ``tfgraph_dnn.contrib`` instead to build TF1 graphs
inside ``with tf.Graph().as_default():`` in an otherwise eager (TF2) process.
"""
from __future__ import annotations

import logging as _logging
import os as _os
import sys as _sys
import types as _types

from .. import _quiet
from .. import _tf as _private_tf
from .. import tf1_api as _api
from .. import tf1_dims as _dims

if not _quiet.show_everything():  # this namespace may quiet its process (the CLI does too)
    _os.environ.setdefault(_quiet.LEVEL_VARIABLE, _quiet.DEFAULT_LEVEL)
_tf = _quiet.import_tensorflow()
# TF1 programs open their own Sessions: set the devices up now, with the "no GPU" line captured.
_quiet.quiet_device_setup()
_v1 = _tf.compat.v1


def _enter_tf1_mode() -> None:
    """``disable_v2_behavior`` without its own "non-resource variables" notice."""
    logger = _logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(_logging.ERROR)
    try:
        _v1.disable_v2_behavior()
    finally:
        logger.setLevel(level)
    # TF1 programs call deprecated functions on purpose; don't print a notice per call.
    _private_tf.silence_deprecation_notices()


_enter_tf1_mode()

from . import contrib  # noqa: E402  (registers tfgraph_dnn.tf1.contrib.layers & co.)

layers = _api.load(*_api.OVERRIDES["layers"])
_sys.modules[__name__ + ".layers"] = layers

def _serve(name: str):
    """Load ``OVERRIDES[name]`` and register it and its submodules under this namespace.

    So ``import tfgraph_dnn.tf1.estimator.inputs`` and ``from tfgraph_dnn.tf1.keras.layers
    import Dense`` work as TF1's ``tensorflow.estimator.inputs`` / ``tensorflow.keras.layers``.
    """
    module = _api.load(*_api.OVERRIDES[name])
    _sys.modules[f"{__name__}.{name}"] = module
    for member in getattr(module, "__all__", ()):
        value = getattr(module, member, None)
        if isinstance(value, _types.ModuleType):
            _sys.modules[f"{__name__}.{name}.{member}"] = value
    return module


keras = _serve("keras")
estimator = _serve("estimator")
__version__ = _tf.__version__


_NAMESPACE = __name__


class _CompatModule(_types.ModuleType):
    """``tf.compat`` whose ``v1`` is this namespace, so ``tf.compat.v1.layers`` works too."""

    def __getattr__(self, name):
        if name == "v1":
            return _sys.modules[_NAMESPACE]
        return getattr(_tf.compat, name)

    def __dir__(self):
        return sorted(set(dir(_tf.compat)) | {"v1"})


compat = _CompatModule(__name__ + ".compat", "``tf.compat`` with ``v1`` = tfgraph_dnn.tf1.")
_sys.modules[compat.__name__] = compat


class _PatchedModule(_types.ModuleType):
    """A ``tf.compat.v1`` module with some members replaced (``tf.nn`` with TF1's ``rnn_cell``).

    Replaced members are plain attributes; every other name is looked up in
    the original module, so the proxy exposes all of it.
    """

    def __init__(self, name: str, original, members: dict) -> None:
        super().__init__(name, original.__doc__)
        self.__dict__["_original"] = original
        self.__dict__.update(members)

    def __getattr__(self, name):
        if name == "_original":
            raise AttributeError(name)
        try:
            return getattr(self._original, name)
        except AttributeError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r} (neither "
                                 f"has {self._original.__name__})") from None

    def __dir__(self):
        return sorted((set(dir(self._original)) | set(self.__dict__)) - {"_original"})


def _float_dimension_functions() -> dict:
    """``{module or "": {name: wrapped function}}`` for :data:`tf1_dims.SHAPE_ARGUMENTS`.

    TF1 took ``z_dim / 2 == 50.0`` as a dimension; the wrappers live in this
    namespace only (TensorFlow's own functions are not touched).
    """
    grouped: dict = {}
    for dotted, parameters in _dims.SHAPE_ARGUMENTS.items():
        module, _, name = dotted.rpartition(".")
        owner = getattr(_v1, module) if module else _v1
        function = getattr(owner, name, None)
        if function is not None:  # a name TensorFlow dropped stays absent
            grouped.setdefault(module, {})[name] = _dims.accept_float_dimensions(
                function, parameters)
    return grouped


def _patch_modules() -> list:
    """Install a :class:`_PatchedModule` per module of ``tf1_api.MEMBER_OVERRIDES``.

    Also the top-level functions and sub-module members that take TF1's
    whole-number float dimensions (:func:`_float_dimension_functions`).
    """
    grouped = _float_dimension_functions()
    globals().update(grouped.pop("", {}))
    for (module, member), target in _api.MEMBER_OVERRIDES.items():
        grouped.setdefault(module, {})[member] = _api.load(*target)
    for module, members in grouped.items():
        patched = _PatchedModule(f"{__name__}.{module}", getattr(_v1, module), members)
        globals()[module] = patched
        _sys.modules[patched.__name__] = patched
        for member, obj in members.items():
            if isinstance(obj, _types.ModuleType):  # import tfgraph_dnn.tf1.nn.rnn_cell
                _sys.modules[f"{patched.__name__}.{member}"] = obj
    return sorted(grouped)


_PATCHED = _patch_modules()


def __getattr__(name: str):
    try:
        return getattr(_v1, name)
    except AttributeError:
        raise AttributeError(
            f"module 'tfgraph_dnn.tf1' has no attribute {name!r} (neither has "
            f"tf.compat.v1 on TensorFlow {_tf.__version__})") from None


def __dir__():
    return sorted(set(dir(_v1)) | {"layers", "keras", "estimator", "contrib", "compat",
                                   "__version__",
                                   *_PATCHED})
