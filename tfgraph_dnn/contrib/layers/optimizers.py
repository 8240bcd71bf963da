"""Contrib ``optimize_loss``: the one-call training op of ``tf.contrib.layers``.

Given a loss it runs the ``UPDATE_OPS`` first, builds (or takes) a learning
rate — a float becomes the non-trainable variable ``OptimizeLoss/learning_rate``
— and an optimizer (a name from :data:`OPTIMIZER_CLS_NAMES`, an
``Optimizer`` class, instance or factory), optionally adds gradient noise,
multipliers and clipping (global norm or a function such as
:func:`adaptive_clipping_fn`), writes TF1's summaries and returns the loss
tensor that, when run, applies the update and increments the global step.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import tensorflow as tf

from ..framework.variables import resolve_use_resource

v1 = tf.compat.v1

__all__ = ["OPTIMIZER_CLS_NAMES", "OPTIMIZER_SUMMARIES", "adaptive_clipping_fn",
           "optimize_loss"]

OPTIMIZER_CLS_NAMES: Dict[str, Callable] = {
    "Adagrad": v1.train.AdagradOptimizer,
    "Adam": v1.train.AdamOptimizer,
    "Ftrl": v1.train.FtrlOptimizer,
    "Momentum": lambda learning_rate: v1.train.MomentumOptimizer(learning_rate, momentum=0.9),
    "RMSProp": v1.train.RMSPropOptimizer,
    "SGD": v1.train.GradientDescentOptimizer,
}

OPTIMIZER_SUMMARIES = ["learning_rate", "loss", "gradients", "gradient_norm",
                       "global_gradient_norm"]

GradsAndVars = List[Tuple[Optional[tf.Tensor], tf.Variable]]


def _grad_values(grad):
    return grad.values if isinstance(grad, tf.IndexedSlices) else grad


def _scale_grad(grad, factor):
    if grad is None:
        return None
    if isinstance(grad, tf.IndexedSlices):
        return tf.IndexedSlices(grad.values * factor, grad.indices, grad.dense_shape)
    return grad * factor


def _learning_rate(learning_rate):
    if learning_rate is None:
        return None
    if isinstance(learning_rate, tf.Tensor) and learning_rate.shape.rank == 0:
        return learning_rate
    if isinstance(learning_rate, float):
        if learning_rate < 0.0:
            raise ValueError(f"optimize_loss: learning_rate must be >= 0, got {learning_rate}")
        return v1.get_variable("learning_rate", [], trainable=False,
                               initializer=v1.constant_initializer(learning_rate),
                               use_resource=resolve_use_resource(None))
    raise ValueError("optimize_loss: learning_rate must be a float or a scalar tensor, got "
                     f"{learning_rate!r} of type {type(learning_rate).__name__}")


def _make_optimizer(optimizer, lr, learning_rate):
    if isinstance(optimizer, str):
        if lr is None:
            raise ValueError(f"optimize_loss: learning_rate is needed for optimizer "
                             f"{optimizer!r}")
        if optimizer not in OPTIMIZER_CLS_NAMES:
            raise ValueError(f"optimize_loss: optimizer name must be one of "
                             f"{sorted(OPTIMIZER_CLS_NAMES)}, got {optimizer!r}")
        return OPTIMIZER_CLS_NAMES[optimizer](learning_rate=lr)
    if isinstance(optimizer, type) and issubclass(optimizer, v1.train.Optimizer):
        if lr is None:
            raise ValueError(f"optimize_loss: learning_rate is needed for optimizer class "
                             f"{optimizer.__name__}")
        return optimizer(learning_rate=lr)
    if isinstance(optimizer, v1.train.Optimizer):
        return optimizer
    if callable(optimizer):
        opt = optimizer(lr) if learning_rate is not None else optimizer()
        if not isinstance(opt, v1.train.Optimizer):
            raise ValueError("optimize_loss: the optimizer function must return a "
                             f"tf.compat.v1.train.Optimizer, got {opt!r}")
        return opt
    raise ValueError("optimize_loss: optimizer must be a name, an Optimizer class or "
                     f"instance, or a function returning one; got {optimizer!r}")


def _multiply_gradients(grads_and_vars: GradsAndVars, multipliers: Dict) -> GradsAndVars:
    by_id = {id(k): v for k, v in multipliers.items() if not isinstance(k, str)}
    result = []
    for grad, var in grads_and_vars:
        factor = by_id.get(id(var), multipliers.get(var.name))
        if grad is not None and factor is not None:
            grad = _scale_grad(grad, tf.constant(factor, dtype=tf.float32))
        result.append((grad, var))
    return result


def _add_noise(grads_and_vars: GradsAndVars, scale: float) -> GradsAndVars:
    noisy = []
    for grad, var in grads_and_vars:
        if grad is not None:
            shape = grad.dense_shape if isinstance(grad, tf.IndexedSlices) else grad.shape
            grad = grad + tf.random.truncated_normal(shape) * scale
        noisy.append((grad, var))
    return noisy


def optimize_loss(loss, global_step, learning_rate, optimizer,
                  gradient_noise_scale: Optional[float] = None,
                  gradient_multipliers: Optional[Dict] = None,
                  clip_gradients: Union[None, float, Callable] = None,
                  learning_rate_decay_fn: Optional[Callable] = None, update_ops=None,
                  variables: Optional[Sequence] = None, name: Optional[str] = None,
                  summaries: Optional[Sequence[str]] = None,
                  colocate_gradients_with_ops: bool = False,
                  increment_global_step: bool = True):
    """A training tensor: running it updates the variables and returns the loss.

    Parameters
    ----------
    loss : scalar Tensor
    global_step : Tensor or None
        Incremented at each step (if ``increment_global_step``); ``None``
        looks up the graph's global step (maybe none).
    learning_rate : float, scalar Tensor or None
        A float becomes the variable ``<name>/learning_rate``.
    optimizer : str, Optimizer class, Optimizer instance or callable
        A name from :data:`OPTIMIZER_CLS_NAMES`, a class taking
        ``learning_rate``, an instance, or ``fn(lr)`` (``fn()`` when
        ``learning_rate`` is None) returning an optimizer.
    gradient_noise_scale : float, optional
        Adds truncated-normal noise of that scale to the gradients.
    gradient_multipliers : dict, optional
        ``{variable or variable name: factor}``.
    clip_gradients : float or callable, optional
        Global-norm clip value, or ``fn(grads_and_vars) -> grads_and_vars``.
    learning_rate_decay_fn : callable, optional
        ``fn(learning_rate, global_step) -> Tensor``; needs a global step.
    update_ops : list, optional
        Run before the loss; default the ``UPDATE_OPS`` collection.
    variables : list, optional
        Variables to train; default all trainable variables.
    name : str, optional
        Variable scope; default ``OptimizeLoss``.
    summaries : list of str, optional
        Subset of :data:`OPTIMIZER_SUMMARIES`; default loss, learning rate and
        global gradient norm.
    colocate_gradients_with_ops, increment_global_step : bool

    Returns
    -------
    Tensor
        The loss, depending on the update.

    Raises
    ------
    ValueError
        For a non-scalar loss, a bad learning rate, optimizer, summary name or
        ``clip_gradients``, or a decay function without a global step.
    """
    loss = tf.convert_to_tensor(loss)
    if loss.shape.rank != 0:
        raise ValueError(f"optimize_loss: loss must be a scalar, got shape {loss.shape}")
    if global_step is None:
        global_step = v1.train.get_global_step()
    else:
        v1.train.assert_global_step(global_step)
    if summaries is None:
        summaries = ["loss", "learning_rate", "global_gradient_norm"]
    unknown = [s for s in summaries if s not in OPTIMIZER_SUMMARIES]
    if unknown:
        raise ValueError(f"optimize_loss: summaries must be among {OPTIMIZER_SUMMARIES}, got "
                         f"{unknown}")
    if clip_gradients is not None and not isinstance(clip_gradients, float) \
            and not callable(clip_gradients):
        raise ValueError("optimize_loss: clip_gradients must be a float or a callable, got "
                         f"{type(clip_gradients).__name__}")
    with v1.variable_scope(name, "OptimizeLoss", [loss, global_step]):
        if update_ops is None:
            update_ops = set(v1.get_collection(v1.GraphKeys.UPDATE_OPS))
        if update_ops:
            with tf.control_dependencies(list(update_ops)):
                loss = tf.identity(loss)
        lr = _learning_rate(learning_rate)
        if learning_rate is not None and learning_rate_decay_fn is not None:
            if global_step is None:
                raise ValueError("optimize_loss: learning_rate_decay_fn needs a global_step")
            lr = learning_rate_decay_fn(lr, global_step)
            if "learning_rate" in summaries:
                v1.summary.scalar("learning_rate", lr)
        opt = _make_optimizer(optimizer, lr, learning_rate)
        if variables is None:
            variables = v1.trainable_variables()
        gradients = opt.compute_gradients(
            loss, variables, colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gradient_noise_scale is not None:
            gradients = _add_noise(gradients, gradient_noise_scale)
        if gradient_multipliers is not None:
            gradients = _multiply_gradients(gradients, gradient_multipliers)
            if not gradients:
                raise ValueError("optimize_loss: no (gradient, variable) pairs left after "
                                 "gradient_multipliers")
        norm_summaries = "global_gradient_norm" in summaries or "gradient_norm" in summaries
        if norm_summaries:
            v1.summary.scalar("global_norm/gradient_norm",
                              tf.linalg.global_norm([g for g, _ in gradients]))
        if isinstance(clip_gradients, float):
            grads, variables_ = zip(*gradients)
            clipped, _ = tf.clip_by_global_norm(list(grads), clip_gradients)
            gradients = list(zip(clipped, variables_))
        elif callable(clip_gradients):
            gradients = clip_gradients(gradients)
        if "loss" in summaries:
            v1.summary.scalar("loss", loss)
        for grad, var in gradients:
            values = _grad_values(grad)
            if values is None:
                continue
            var_name = var.name.replace(":", "_")
            if "gradients" in summaries:
                v1.summary.histogram(f"gradients/{var_name}", values)
            if "gradient_norm" in summaries:
                v1.summary.scalar(f"gradient_norm/{var_name}", tf.linalg.global_norm([values]))
        if clip_gradients is not None and norm_summaries:
            v1.summary.scalar("global_norm/clipped_gradient_norm",
                              tf.linalg.global_norm([g for g, _ in gradients]))
        train = opt.apply_gradients(
            gradients, global_step=global_step if increment_global_step else None,
            name="train")
        with tf.control_dependencies([train]):
            return tf.identity(loss)


def adaptive_clipping_fn(std_factor: float = 2.0, decay: float = 0.95,
                         static_max_norm: Optional[float] = None, global_step=None,
                         report_summary: bool = False, epsilon: float = 1e-8,
                         name: Optional[str] = None) -> Callable:
    """Gradient clipping adapted to the history of log gradient norms (arXiv:1412.1602).

    Moving averages (variables ``<name>/mean`` and ``sq_mean``, default scope
    ``AdaptiveMaxNorm``) track the mean and variance of ``log(norm)``; when
    the norm exceeds ``exp(mean + std_factor * std)`` all gradients are
    rescaled to a global norm of ``exp(mean)``.  Returns
    ``fn(grads_and_vars) -> grads_and_vars`` for ``clip_gradients``.
    """

    def gradient_clipping(grads_and_vars: GradsAndVars) -> GradsAndVars:
        grads, variables_ = zip(*grads_and_vars)
        norm = tf.linalg.global_norm(list(grads))
        with v1.variable_scope(name, "AdaptiveMaxNorm", [norm]):
            log_norm = tf.math.log(norm + epsilon)
            rate = tf.constant(decay, log_norm.dtype)
            if global_step is not None:
                n = tf.cast(global_step, log_norm.dtype)
                rate = tf.minimum(rate, n / (n + 1.0))

            def moving_average(var_name, value):
                var = v1.get_variable(var_name, value.shape, value.dtype,
                                      v1.zeros_initializer(), trainable=False,
                                      use_resource=resolve_use_resource(None))
                return v1.assign_sub(var, (var - value) * (1.0 - rate))

            mean = moving_average("mean", log_norm)
            sq_mean = moving_average("sq_mean", tf.square(log_norm))
            std = tf.sqrt(tf.maximum(epsilon, sq_mean - tf.square(mean)))
            max_norm = tf.exp(mean + std_factor * std)
        if report_summary:
            v1.summary.scalar("global_norm/adaptive_max_gradient_norm", max_norm)
        factor = tf.where(norm < max_norm, tf.ones_like(norm), tf.exp(mean) / norm)
        if static_max_norm is not None:
            factor = tf.minimum(static_max_norm / norm, factor)
        return [(_scale_grad(g, factor), v) for g, v in zip(grads, variables_)]

    return gradient_clipping
