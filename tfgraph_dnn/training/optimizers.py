"""Optimizers by name and the training op (room: ``training``; builds graph ops).

The seven optimizers of the chapter, on ``tf.compat.v1.train``, addressed by
plain strings so that a hyper-parameter search can sample them; the
:class:`OptimizerSpec` a fit carries; gradient clipping as one transform; and
the optimizer step, which runs ``UPDATE_OPS`` (batch norm) with every step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Union

from .. import _tf
import tensorflow as tf

from ..options import OPTIMIZERS

v1 = tf.compat.v1

#: The estimator's optimizer hyper-parameters each optimizer uses (what make_optimizer
#: passes on); the others are ignored by it -- e.g. a search's report leaves them out.
OPTIMIZER_PARAMS = {"gd": (), "momentum": ("momentum",), "nesterov": ("momentum",),
                    "adagrad": (), "rmsprop": ("momentum",), "adam": ("beta1", "beta2"),
                    "ftrl": ()}


def make_optimizer(name: str, learning_rate: Union[float, tf.Tensor], *, momentum: float = 0.9,
                   beta1: float = 0.9, beta2: float = 0.999):
    """Create a ``tf.compat.v1.train`` optimizer from its short name.

    Parameters
    ----------
    name : {'gd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'ftrl'}
    learning_rate : float or scalar Tensor
    momentum : float
        Used by 'momentum', 'nesterov' and 'rmsprop' (whose decay is the chapter's 0.9).
    beta1, beta2 : float
        Used by 'adam'.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    """
    if name == "gd":
        return v1.train.GradientDescentOptimizer(learning_rate)
    if name == "momentum":
        return v1.train.MomentumOptimizer(learning_rate, momentum)
    if name == "nesterov":
        return v1.train.MomentumOptimizer(learning_rate, momentum, use_nesterov=True)
    if name == "adagrad":
        return v1.train.AdagradOptimizer(learning_rate)
    if name == "rmsprop":
        return v1.train.RMSPropOptimizer(learning_rate, decay=0.9, momentum=momentum)
    if name == "adam":
        return _Adam(learning_rate, beta1=beta1, beta2=beta2)
    if name == "ftrl":
        return v1.train.FtrlOptimizer(learning_rate)
    raise ValueError(f"Unknown optimizer {name!r}; valid names are {list(OPTIMIZERS)}")


class _Adam(v1.train.AdamOptimizer):
    """TF1's Adam, reading its two beta-power accumulators once per step.

    TF1 reads them once per variable (12 reads per step for a 5-layer net),
    and in a step that costs microseconds per op that shows; the arithmetic
    is unchanged (the same values reach the same ``ResourceApplyAdam``).
    """

    def _prepare(self):
        super()._prepare()
        beta1_power, beta2_power = self._get_beta_accumulators()
        self._power_reads = (beta1_power.read_value(), beta2_power.read_value())

    def _resource_apply_dense(self, grad, var):
        dtype = grad.dtype.base_dtype
        beta1_power, beta2_power = self._power_reads
        return tf.raw_ops.ResourceApplyAdam(
            var=var.handle, m=self.get_slot(var, "m").handle, v=self.get_slot(var, "v").handle,
            beta1_power=tf.cast(beta1_power, dtype), beta2_power=tf.cast(beta2_power, dtype),
            lr=tf.cast(self._lr_t, dtype), beta1=tf.cast(self._beta1_t, dtype),
            beta2=tf.cast(self._beta2_t, dtype), epsilon=tf.cast(self._epsilon_t, dtype),
            grad=grad, use_locking=self._use_locking)


@dataclass(frozen=True)
class OptimizerSpec:
    """The optimizer of a fit: its kind, schedule, hyper-parameters and clipping.

    Attributes
    ----------
    name : str
        One of :data:`OPTIMIZERS`.
    learning_rate, beta1, beta2, momentum : float
        The initial rate of the schedule; Adam's betas; the momentum of
        'momentum', 'nesterov' and 'rmsprop'.
    schedule : None, str or Schedule
        See :func:`~.schedules.get_schedule`.
    clip_value, clip_norm, clip_global_norm : float or None
        Gradient clipping (see :func:`clip_gradients`).
    """

    name: str = "adam"
    learning_rate: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    momentum: float = 0.9
    schedule: Any = None
    clip_value: Optional[float] = None
    clip_norm: Optional[float] = None
    clip_global_norm: Optional[float] = None

    def knob_values(self) -> Dict[str, float]:
        """The per-fit values, by knob name (``None`` clips are not knobs)."""
        values = {"learning_rate": self.learning_rate, "beta1": self.beta1,
                  "beta2": self.beta2, "momentum": self.momentum}
        values.update({name: getattr(self, name) for name in CLIPS
                       if getattr(self, name) is not None})
        return {name: float(value) for name, value in values.items()}

    def structure(self) -> tuple:
        """What shapes the graph besides the schedule: the kind and which clips are on."""
        return (self.name, tuple(getattr(self, name) is not None for name in CLIPS))


CLIPS = ("clip_value", "clip_norm", "clip_global_norm")


def clip_gradients(grads: List[tf.Tensor], clipping: Dict[str, Any]) -> List[tf.Tensor]:
    """The one gradient transform: ``clip_value`` clips every element to
    ``[-clip_value, clip_value]``, ``clip_norm`` rescales each gradient to an l2
    norm of at most ``clip_norm``, ``clip_global_norm`` rescales all together
    (applied in that order; absent keys are off; values may be tensors)."""
    if clipping.get("clip_value") is not None:
        limit = clipping["clip_value"]
        grads = [tf.clip_by_value(g, -limit, limit) for g in grads]
    if clipping.get("clip_norm") is not None:
        grads = [tf.clip_by_norm(g, clipping["clip_norm"]) for g in grads]
    if clipping.get("clip_global_norm") is not None:
        grads, _ = tf.clip_by_global_norm(grads, clipping["clip_global_norm"])
    return grads


def build_train_op(loss: tf.Tensor, optimizer, global_step: tf.Variable,
                   var_list: Optional[Sequence[tf.Variable]] = None,
                   clipping: Optional[Dict[str, Any]] = None,
                   update_ops: Optional[Sequence[tf.Operation]] = None,
                   slow_optimizer=None,
                   slow_vars: Sequence[tf.Variable] = ()) -> tf.Operation:
    """One optimizer step, gradients transformed by :func:`clip_gradients`, after
    ``update_ops`` (default: the graph's ``UPDATE_OPS``, e.g. batch norm's moving
    averages).  ``var_list`` restricts training (frozen layers are left out, so
    they get no optimizer slots).  ``slow_vars`` (a subset of ``var_list``) are
    updated by ``slow_optimizer`` instead -- the same kind at a smaller rate,
    e.g. reused layers (a rate, not a gradient scale: Adam ignores the latter);
    the gradients are still clipped together.
    """
    with v1.name_scope("train"):
        grads_and_vars = optimizer.compute_gradients(loss, var_list=var_list)
        grads_and_vars = [(g, v) for g, v in grads_and_vars if g is not None]
        if not grads_and_vars:
            raise ValueError("Nothing to train: no trainable variable receives a gradient")
        grads = clip_gradients([g for g, _ in grads_and_vars], clipping or {})
        if update_ops is None:
            update_ops = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
        pairs = list(zip(grads, [v for _, v in grads_and_vars]))
        slow = {id(v) for v in slow_vars} if slow_optimizer is not None else set()
        # TF's own optimizers create their slots through a deprecated initializer call.
        with tf.control_dependencies(update_ops), _tf.deprecation_notices_silenced():
            if not slow:
                return optimizer.apply_gradients(pairs, global_step=global_step)
            fast_pairs = [(g, v) for g, v in pairs if id(v) not in slow]
            slow_pairs = [(g, v) for g, v in pairs if id(v) in slow]
            ops = [slow_optimizer.apply_gradients(slow_pairs, name="apply_slow")]
            if fast_pairs:
                ops.append(optimizer.apply_gradients(fast_pairs, global_step=global_step))
            else:
                ops.append(global_step.assign_add(1, read_value=False))
            return tf.group(*ops, name="apply")
