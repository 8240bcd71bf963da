"""The loss collection of ``tf.contrib.losses`` (room: ``contrib``; touches graph collections).

``add_loss``, ``get_losses``, ``get_regularization_losses`` and
``get_total_loss``: contrib's and ``tf.compat.v1.losses``' are the same
functions; :mod:`.losses` re-exports them beside the loss functions that add
to ``GraphKeys.LOSSES``.
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from .framework.arg_scope import add_arg_scope

_v1 = tf.compat.v1
LOSSES = _v1.GraphKeys.LOSSES


@add_arg_scope
def add_loss(loss: tf.Tensor, loss_collection: Optional[str] = LOSSES) -> None:
    """Add an externally computed loss to ``loss_collection`` (nothing if it is falsy).

    Parameters
    ----------
    loss : Tensor
    loss_collection : str, default=GraphKeys.LOSSES
    """
    _v1.losses.add_loss(loss, loss_collection=loss_collection)


#: Contrib's and ``tf.compat.v1.losses``' are the same functions (same signatures).
get_losses = _v1.losses.get_losses
get_regularization_losses = _v1.losses.get_regularization_losses


def get_total_loss(add_regularization_losses: bool = True,
                   name: str = "total_loss") -> tf.Tensor:
    """The sum of :func:`get_losses` (and of the regularization losses).

    Parameters
    ----------
    add_regularization_losses : bool, default=True
        Also add ``GraphKeys.REGULARIZATION_LOSSES`` (``weights_regularizer``'s
        penalties).
    name : str, default="total_loss"

    Returns
    -------
    Tensor
        A scalar.

    Raises
    ------
    ValueError
        If there is no loss at all (``tf.add_n`` of nothing), as in TF1.
    """
    return _v1.losses.get_total_loss(add_regularization_losses=add_regularization_losses,
                                     name=name)
