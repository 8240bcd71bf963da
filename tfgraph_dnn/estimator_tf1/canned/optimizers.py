"""The canned estimators' ``optimizer`` argument: a name, a ``tf.compat.v1.train`` optimizer or
a callable returning one, resolved as TF 1.15's ``get_optimizer_instance`` did."""
from __future__ import annotations

from typing import Any, Optional

from ... import _tf

tf = _tf.tensorflow
v1 = tf.compat.v1

#: The optimizer names TF1's canned estimators accepted, and the class each means.
OPTIMIZER_CLASSES = {
    "Adagrad": v1.train.AdagradOptimizer,
    "Adam": v1.train.AdamOptimizer,
    "Ftrl": v1.train.FtrlOptimizer,
    "RMSProp": v1.train.RMSPropOptimizer,
    "SGD": v1.train.GradientDescentOptimizer,
}


def get_optimizer_instance(opt: Any, learning_rate: Optional[float] = None):
    """Return a ``tf.compat.v1.train.Optimizer`` for ``opt``.

    Parameters
    ----------
    opt : str, Optimizer or callable
        One of ``'Adagrad'``, ``'Adam'``, ``'Ftrl'``, ``'RMSProp'``, ``'SGD'`` (built with
        ``learning_rate``), an optimizer instance (returned as is), or a callable returning one
        (called now, inside the graph being built).
    learning_rate : float, optional
        Needed when ``opt`` is a name.

    Raises
    ------
    ValueError
        An unknown name, a name without ``learning_rate``, or anything that is not (and does
        not return) a ``tf.compat.v1.train.Optimizer``.
    """
    if isinstance(opt, str):
        if opt not in OPTIMIZER_CLASSES:
            raise ValueError(f"Unsupported optimizer name: {opt}. Supported names are: "
                             f"{tuple(sorted(OPTIMIZER_CLASSES))}")
        if not learning_rate:
            raise ValueError("learning_rate must be specified when opt is string.")
        return OPTIMIZER_CLASSES[opt](learning_rate=learning_rate)
    if callable(opt) and not isinstance(opt, v1.train.Optimizer):
        opt = opt()
    if not isinstance(opt, v1.train.Optimizer):
        raise ValueError(f"The given object is not an Optimizer instance (a "
                         f"tf.compat.v1.train.Optimizer). Given: {opt!r}")
    return opt
