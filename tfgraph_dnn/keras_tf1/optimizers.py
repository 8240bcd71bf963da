"""``tf.keras.optimizers`` in a TF1 graph: Keras' names and defaults on ``tf.compat.v1.train``.

Room: ``keras_tf1``.  ``compile(optimizer=...)`` takes, as TF 1.15 did, a
``tf.train`` optimizer (wrapped in :class:`TFOptimizer`, whose step counter is
``TFOptimizer/iterations``), a Keras optimizer object, or a Keras name
(``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adagrad'``, ``'adadelta'``,
``'ftrl'``).  The Keras classes run on the equivalent ``tf.compat.v1.train``
optimizer with Keras' defaults (``Adam(0.001, epsilon=1e-7)``, ``SGD(0.01)``...),
so the update formulas are TensorFlow's kernels; their slot variables carry
``tf.train``'s names (``dense/kernel/Adam``), not TF 1.15 Keras' own
(``training/Adam/dense/kernel/m``).  ``lr`` is accepted for ``learning_rate``,
``decay`` divides it by ``1 + decay * iterations``, ``clipnorm``/``clipvalue``
clip each gradient.  ``Adamax``, ``Nadam`` and ``amsgrad`` are not provided.
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from . import backend

v1 = tf.compat.v1


class Optimizer:
    """Base class: builds its ``tf.train`` optimizer when ``fit`` asks for the update op."""

    _defaults: dict = {}

    def __init__(self, learning_rate: Optional[float] = None, **kwargs) -> None:
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        self.decay = float(kwargs.pop("decay", 0.0))
        self.clipnorm = kwargs.pop("clipnorm", None)
        self.clipvalue = kwargs.pop("clipvalue", None)
        self._name = kwargs.pop("name", type(self).__name__)
        if kwargs.pop("amsgrad", False):
            raise NotImplementedError("Adam(amsgrad=True) is not provided by "
                                      "tfgraph_dnn.keras_tf1")
        hyper = dict(self._defaults)
        unknown = sorted(set(kwargs) - set(hyper))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {unknown}")
        hyper.update(kwargs)
        self.learning_rate = float(self._default_lr if learning_rate is None else learning_rate)
        self.hyper = hyper
        self.iterations = None

    _default_lr = 0.001

    @property
    def lr(self) -> float:
        return self.learning_rate

    def _make(self, learning_rate) -> v1.train.Optimizer:
        raise NotImplementedError

    def _iterations(self):
        if self.iterations is None:
            with v1.name_scope(None), v1.variable_scope(None, default_name=self._name):
                self.iterations = v1.get_variable("iterations", [], tf.int64,
                                                  v1.zeros_initializer(), trainable=False,
                                                  use_resource=True)
            backend.track_variable(self.iterations)
        return self.iterations

    def _clip(self, grads_and_vars) -> list:
        clipped = []
        for grad, var in grads_and_vars:
            if grad is not None and self.clipnorm is not None:
                grad = tf.clip_by_norm(grad, self.clipnorm)
            if grad is not None and self.clipvalue is not None:
                grad = tf.clip_by_value(grad, -self.clipvalue, self.clipvalue)
            clipped.append((grad, var))
        return clipped

    def get_updates(self, loss, params) -> tf.Operation:
        """The op applying one step of the gradients of ``loss`` to ``params``."""
        iterations = self._iterations()
        lr = self.learning_rate
        if self.decay:
            lr = lr / (1.0 + self.decay * tf.cast(iterations, tf.float32))
        optimizer = self._make(lr)
        grads = optimizer.compute_gradients(loss, params)
        return optimizer.apply_gradients(self._clip(grads), global_step=iterations)

    def get_config(self) -> dict:
        return {"name": self._name, "learning_rate": self.learning_rate, **self.hyper}


class SGD(Optimizer):
    """Keras SGD (lr 0.01, ``momentum``, ``nesterov``) on tf.train Momentum/GD."""

    _defaults = {"momentum": 0.0, "nesterov": False}
    _default_lr = 0.01

    def _make(self, lr):
        if self.hyper["momentum"]:
            return v1.train.MomentumOptimizer(lr, self.hyper["momentum"],
                                              use_nesterov=self.hyper["nesterov"])
        return v1.train.GradientDescentOptimizer(lr)


class Adam(Optimizer):
    """Keras Adam (lr 0.001, epsilon 1e-7) on ``tf.train.AdamOptimizer``."""

    _defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}

    def _make(self, lr):
        h = self.hyper
        return v1.train.AdamOptimizer(lr, h["beta_1"], h["beta_2"], h["epsilon"])


class RMSprop(Optimizer):
    """Keras RMSprop (lr 0.001, rho 0.9, epsilon 1e-7) on ``tf.train.RMSPropOptimizer``."""

    _defaults = {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}

    def _make(self, lr):
        h = self.hyper
        return v1.train.RMSPropOptimizer(lr, h["rho"], h["momentum"], h["epsilon"],
                                         centered=h["centered"])


class Adagrad(Optimizer):
    """Keras Adagrad (lr 0.001, initial accumulator 0.1) on ``tf.train.AdagradOptimizer``."""

    _defaults = {"initial_accumulator_value": 0.1, "epsilon": 1e-7}

    def _make(self, lr):
        return v1.train.AdagradOptimizer(lr, self.hyper["initial_accumulator_value"])


class Adadelta(Optimizer):
    """Keras Adadelta (lr 0.001, rho 0.95) on ``tf.train.AdadeltaOptimizer``."""

    _defaults = {"rho": 0.95, "epsilon": 1e-7}

    def _make(self, lr):
        return v1.train.AdadeltaOptimizer(lr, self.hyper["rho"], self.hyper["epsilon"])


class Ftrl(Optimizer):
    """Keras Ftrl on ``tf.train.FtrlOptimizer``."""

    _defaults = {"learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                 "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0}

    def _make(self, lr):
        return v1.train.FtrlOptimizer(lr, **self.hyper)


class TFOptimizer(Optimizer):
    """A ``tf.train`` optimizer given to ``compile`` (TF 1.15's wrapper)."""

    def __init__(self, optimizer: v1.train.Optimizer) -> None:
        super().__init__(name="TFOptimizer")
        self.optimizer = optimizer

    def _make(self, lr):
        return self.optimizer

    def get_updates(self, loss, params) -> tf.Operation:
        if self.decay:
            raise ValueError("TFOptimizer takes no decay")
        return super().get_updates(loss, params)


def _not_provided(name: str):
    def make(*args, **kwargs):
        raise NotImplementedError(f"keras.optimizers.{name} is not provided by "
                                  "tfgraph_dnn.keras_tf1 (no tf.compat.v1.train equivalent)")
    make.__name__ = name
    return make


Adamax, Nadam = _not_provided("Adamax"), _not_provided("Nadam")
_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad,
            "adadelta": Adadelta, "ftrl": Ftrl, "adamax": Adamax, "nadam": Nadam}


def get(identifier) -> Optimizer:
    """A Keras optimizer for ``compile``: a name, a Keras optimizer, or a ``tf.train`` one.

    Raises
    ------
    ValueError
        For an unknown name or object.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, v1.train.Optimizer):
        return TFOptimizer(identifier)
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r} (names: "
                     f"{sorted(_BY_NAME)}, or a tf.compat.v1.train optimizer)")
