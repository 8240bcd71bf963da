"""Weight regularizers (room: ``layers``; builds ops, touches graph collections).

The one implementation of TF1 contrib's ``l1_regularizer`` / ``l2_regularizer``
/ ``l1_l2_regularizer`` / ``sum_regularizer`` (``contrib.layers`` re-exports
them): a regularizer is ``fn(weights) -> scalar Tensor or None``; passed as
``kernel_regularizer`` its loss lands in ``GraphKeys.REGULARIZATION_LOSSES``.
Scales follow TF1 contrib's rules: a float or a scalar tensor, never an
integer, never negative; a scale of 0 disables the regularizer.

The chapter's max-norm "regularizer" is :mod:`tfgraph_dnn.model.penalties`.
"""
from __future__ import annotations

import logging
import numbers
from typing import Callable, Optional, Sequence

import tensorflow as tf

v1 = tf.compat.v1
_LOG = logging.getLogger(__name__)

def _disabled(scale, what: str) -> bool:
    """Validate ``scale`` as TF1 contrib did; True when it is a number equal to 0.

    Integers (``bool`` included) and negative numbers raise ``ValueError``;
    a tensor or variable is accepted unchecked.
    """
    if isinstance(scale, numbers.Integral):
        raise ValueError(f"{what}: scale cannot be an integer, got {scale!r}; use a float")
    if isinstance(scale, numbers.Real):
        if scale < 0.0:
            raise ValueError(f"{what}: scale must be >= 0, got {scale!r}")
        if scale == 0.0:
            _LOG.info("Scale of 0 disables regularizer.")
            return True
    elif not isinstance(scale, (tf.Tensor, tf.Variable)):
        raise ValueError(f"{what}: scale must be a float or a scalar tensor, got {scale!r}")
    return False


def _scaled(scale, penalty: Callable, scope: Optional[str], default_name: str) -> Callable:
    """A regularizer ``scale * penalty(weights)`` named ``scope`` (else ``default_name``)."""

    def regularizer(weights):
        with v1.name_scope(scope, default_name, [weights]) as name:
            factor = tf.convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return tf.multiply(factor, penalty(weights), name=name)

    return regularizer


def l1_regularizer(scale, scope: Optional[str] = None) -> Callable:
    """``scale * sum(|w|)`` (TF1's ``tf.contrib.layers.l1_regularizer``).

    Parameters
    ----------
    scale : float or scalar Tensor
        Multiplier; ``0.0`` returns a regularizer that adds nothing.
    scope : str, optional
        Name of the loss op (default ``'l1_regularizer'``).

    Raises
    ------
    ValueError
        If ``scale`` is an integer or negative.
    """
    if _disabled(scale, "l1_regularizer"):
        return lambda _: None
    return _scaled(scale, lambda w: tf.reduce_sum(tf.abs(w)), scope, "l1_regularizer")


def l2_regularizer(scale, scope: Optional[str] = None) -> Callable:
    """``scale * sum(w ** 2) / 2`` (``tf.nn.l2_loss``; TF1's ``tf.contrib.layers.l2_regularizer``).

    Parameters as for :func:`l1_regularizer` (default name ``'l2_regularizer'``).
    """
    if _disabled(scale, "l2_regularizer"):
        return lambda _: None
    return _scaled(scale, tf.nn.l2_loss, scope, "l2_regularizer")


def sum_regularizer(regularizer_list: Sequence[Optional[Callable]],
                    scope: Optional[str] = None) -> Optional[Callable]:
    """A regularizer returning the sum of ``regularizer_list``'s losses.

    ``None`` entries are dropped; if none is left the result is ``None``
    (no regularizer), as in TF1.  Losses that are ``None`` are skipped; if all
    are, the sum is ``None`` too.
    """
    regularizer_list = [reg for reg in regularizer_list if reg is not None]
    if not regularizer_list:
        return None

    def sum_reg(weights):
        with v1.name_scope(scope, "sum_regularizer", [weights]) as name:
            losses = [loss for loss in (reg(weights) for reg in regularizer_list)
                      if loss is not None]
            return tf.add_n(losses, name=name) if losses else None

    return sum_reg


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope: Optional[str] = None) -> Callable:
    """``l1_regularizer(scale_l1) + l2_regularizer(scale_l2)``, named ``l1_l2_regularizer``.

    As in TF 1.15, a scale of exactly 0 leaves the other regularizer alone
    (still named ``scope`` or ``'l1_l2_regularizer'``).

    Raises
    ------
    ValueError
        If a scale is an integer or negative.
    """
    scope = scope or "l1_l2_regularizer"
    l1_off = _disabled(scale_l1, "l1_l2_regularizer")
    l2_off = _disabled(scale_l2, "l1_l2_regularizer")
    if l1_off:
        return l2_regularizer(scale_l2, scope)
    if l2_off:
        return l1_regularizer(scale_l1, scope)
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope)
