"""Learning-rate schedules (room: ``training``; builds graph ops, plus one hook).

The chapter's five schedules and a constant rate, each a small dataclass of
hyper-parameters whose :meth:`Schedule.build` adds to the default graph a
float32 rate that is an in-graph function of ``global_step`` (no Python per
step).  Performance scheduling reacts to validation metrics instead: its rate
is a variable that a :class:`~tfgraph_dnn.training.hooks.Callback` lowers between epochs.
"""
from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, Optional, Sequence, Union

import tensorflow as tf

from .hooks import Callback
from ..options import SCHEDULES

v1 = tf.compat.v1

_SCOPE = "learning_rate_schedule"
# Steps of a whole fit: the int64 global step and the float64 arithmetic on steps here
# stay exact below this.
MAX_STEPS = 2 ** 53


@dataclass
class ScheduleOps:
    """What :meth:`Schedule.build` adds to the graph.

    Attributes
    ----------
    learning_rate : tf.Tensor
        float32 scalar, the rate at the current global step.
    momentum : tf.Tensor or None
        1cycle only: the cycling momentum, for momentum optimizers.
    hook : Callback or None
        Performance only: the hook that lowers the rate between epochs.
    at_step : callable or None
        ``at_step(step) -> (rate, momentum or None)`` builds the same schedule
        on another step tensor, without new variables (a training step rebuilt
        inside a ``tf.while_loop`` reads the rate of its own step).
    """

    learning_rate: tf.Tensor
    momentum: Optional[tf.Tensor] = None
    hook: Optional[Callback] = None
    at_step: Optional[Callable] = None


def _check(ok: bool, name: str, value, what: str) -> None:
    """Raise ``ValueError("<name> must be <what>, got <value>")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"{name} must be {what}, got {value!r}")


def _positive_int(name: str, value) -> int:
    _check(isinstance(value, numbers.Integral) and value >= 1, name, value, "an integer >= 1")
    return int(value)


def _check_epochs(decay_epochs) -> None:
    _check(decay_epochs is None or 0 < decay_epochs < math.inf, "decay_epochs", decay_epochs,
           "finite and > 0, or None")


def _linear(step: tf.Tensor, x0: float, x1: float, y0: float, y1: float) -> tf.Tensor:
    """The line through ``(x0, y0)`` and ``(x1, y1)`` at ``step`` (safe when x1 == x0).

    Written as a weighted mean so that float32 keeps full relative precision when
    a rate falls by orders of magnitude (no cancellation in ``y0 + (y1 - y0) * t``).
    """
    t = (step - x0) / float(max(x1 - x0, 1))
    return y0 * (1.0 - t) + y1 * t


class Schedule:
    """Base class: validates the common arguments, then calls ``_build``."""

    name: ClassVar[str] = ""
    # Whether the rates depend on the fit's length (steps per epoch, epochs): a graph
    # built for one length serves only fits of that length.
    depends_on_length: ClassVar[bool] = True

    def build(self, learning_rate, global_step: tf.Variable, steps_per_epoch: int,
              n_epochs: int) -> ScheduleOps:
        """Add the schedule's ops to the current default graph.

        Parameters
        ----------
        learning_rate : float or float32 scalar Tensor
            The initial (base) rate ``lr0``, > 0 (a tensor, e.g. a knob, is
            read at run time).
        global_step : tf.Variable
            Integer step counter, incremented once per training step.
        steps_per_epoch, n_epochs : int
            Convert epoch-valued parameters to steps; fix 1cycle's length.

        Raises
        ------
        ValueError
            For an invalid argument or hyper-parameter; the message names it.
        """
        if not tf.is_tensor(learning_rate) and not isinstance(learning_rate, tf.Variable):
            _check(isinstance(learning_rate, numbers.Real) and learning_rate > 0,
                   "learning_rate", learning_rate, "a number > 0")
            learning_rate = float(learning_rate)
        steps_per_epoch = _positive_int("steps_per_epoch", steps_per_epoch)
        n_epochs = _positive_int("n_epochs", n_epochs)
        _check(n_epochs * steps_per_epoch <= MAX_STEPS, "n_epochs", n_epochs,
               f"at most {MAX_STEPS // steps_per_epoch} with {steps_per_epoch} steps per "
               f"epoch (at most {MAX_STEPS} steps in all)")
        self._validate()
        ops = self._build(learning_rate, global_step, steps_per_epoch, n_epochs)
        if ops.at_step is None:  # the training step rebuilds the rate at its own step
            raise TypeError(f"{type(self).__name__}._build must return ScheduleOps with "
                            "at_step (the schedule at any step tensor)")
        return ops

    def _validate(self) -> None:
        """Check the hyper-parameters before any op is created."""

    def _build(self, lr0: float, global_step, steps_per_epoch: int, n_epochs: int) -> ScheduleOps:
        """Default: ``_rate`` of the float32 step, as ``learning_rate_schedule/learning_rate``."""
        def at_step(global_step):
            with v1.name_scope(_SCOPE):
                step = tf.cast(global_step, tf.float32, name="step")
                return tf.identity(self._rate(lr0, step, steps_per_epoch, n_epochs),
                                   name="learning_rate"), None

        return ScheduleOps(at_step(global_step)[0], at_step=at_step)

    def _rate(self, lr0: float, step: tf.Tensor, steps_per_epoch: int, n_epochs: int):
        raise NotImplementedError


@dataclass
class Constant(Schedule):
    """``lr = lr0`` at every step."""

    name: ClassVar[str] = "constant"
    depends_on_length: ClassVar[bool] = False

    def _rate(self, lr0, step, steps_per_epoch, n_epochs):
        return tf.convert_to_tensor(lr0, tf.float32)


@dataclass
class ExponentialDecay(Schedule):
    """``lr = lr0 * decay_rate ** (step / decay_steps)``: divided by 1/decay_rate every
    ``decay_epochs`` epochs (default ``n_epochs``)."""

    name: ClassVar[str] = "exponential"
    decay_rate: float = 0.1
    decay_epochs: Optional[float] = None

    def _validate(self):
        _check(self.decay_rate > 0, "decay_rate", self.decay_rate, "> 0")
        _check_epochs(self.decay_epochs)

    def _rate(self, lr0, step, steps_per_epoch, n_epochs):
        decay_steps = float((self.decay_epochs or n_epochs) * steps_per_epoch)
        return lr0 * tf.pow(tf.constant(self.decay_rate, tf.float32), step / decay_steps)


@dataclass
class PiecewiseConstant(Schedule):
    """``lr = lr0 * factors[i]`` on the i-th interval between ``boundaries`` (in epochs,
    default ``(n_epochs / 2, 3 * n_epochs / 4)``); a step equal to a boundary still
    belongs to the interval on its left."""

    name: ClassVar[str] = "piecewise"
    boundaries: Optional[Sequence[float]] = None
    factors: Sequence[float] = (1.0, 0.5, 0.1)

    def _validate(self):
        factors = list(self.factors)
        _check(all(f > 0 for f in factors), "factors", self.factors, "numbers > 0")
        bounds = [1.0, 2.0] if self.boundaries is None else list(self.boundaries)
        _check(all(0 <= b < math.inf for b in bounds)
               and all(a < b for a, b in zip(bounds, bounds[1:])),
               "boundaries", self.boundaries, "increasing finite epochs >= 0")
        _check(len(factors) == len(bounds) + 1, "factors", self.factors,
               f"len(boundaries) + 1 = {len(bounds) + 1} values")

    def _build(self, lr0, global_step, steps_per_epoch, n_epochs):
        bounds = (n_epochs / 2, 3 * n_epochs / 4) if self.boundaries is None else self.boundaries
        # epochs -> global steps; a boundary past any fit's end stays there (int64-safe)
        steps = [min(int(round(b * steps_per_epoch)), MAX_STEPS) for b in bounds]
        factors = [float(f) for f in self.factors]

        def at_step(global_step):
            with v1.name_scope(_SCOPE):
                step = tf.cast(global_step, tf.int64)
                passed = tf.greater(step, tf.constant(steps, tf.int64, shape=[len(steps)]))
                index = tf.reduce_sum(tf.cast(passed, tf.int32), name="interval")
                values = lr0 * tf.constant(factors, tf.float32)
                return tf.gather(values, index, name="learning_rate"), None

        return ScheduleOps(at_step(global_step)[0], at_step=at_step)


@dataclass
class PowerDecay(Schedule):
    """``lr = lr0 / (1 + step / decay_steps) ** power``, with ``decay_epochs`` default
    ``max(1, n_epochs / 10)``."""

    name: ClassVar[str] = "power"
    decay_epochs: Optional[float] = None
    power: float = 1.0

    def _validate(self):
        _check_epochs(self.decay_epochs)
        _check(self.power > 0, "power", self.power, "> 0")

    def _rate(self, lr0, step, steps_per_epoch, n_epochs):
        decay_steps = float((self.decay_epochs or max(1.0, n_epochs / 10)) * steps_per_epoch)
        return lr0 / tf.pow(1.0 + step / decay_steps, float(self.power))


class PerformanceHook(Callback):
    """Multiply the rate variable by ``factor`` after ``patience`` epochs without an
    improvement of ``logs[monitor]`` larger than ``min_delta`` (lower is better)."""

    def __init__(self, config: "Performance", variable: tf.Variable, value: tf.Tensor,
                 assign: tf.Operation):
        self.config, self.variable, self.value, self.assign = config, variable, value, assign
        self.initialize()

    def initialize(self) -> "PerformanceHook":
        """No epoch seen yet."""
        self.best: Optional[float] = None
        self.wait = 0
        return self

    def on_epoch_end(self, state, logs: Dict[str, Any]) -> None:
        config = self.config
        current = float(logs[config.monitor] if config.monitor in logs else logs["loss"])
        if self.best is None or current < self.best - config.min_delta:
            self.best, self.wait = current, 0
            return
        self.wait += 1
        if self.wait >= config.patience:
            rate = float(state.session.run(self.variable))
            lowered = max(rate * config.factor, config.min_learning_rate)
            if lowered < rate:
                state.session.run(self.assign, {self.value: lowered})
            self.wait = 0

    def state_dict(self) -> Dict[str, Any]:
        """Best monitored value so far (None before the first epoch) and wait count."""
        return {"best": self.best, "wait": self.wait}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (e.g. from a checkpoint)."""
        best = state.get("best")
        self.best = None if best is None else float(best)
        self.wait = int(state.get("wait", 0))


@dataclass
class Performance(Schedule):
    """Performance scheduling: the rate is a variable (``learning_rate``, saved with
    checkpoints) that the returned hook multiplies by ``factor`` on a plateau."""

    name: ClassVar[str] = "performance"
    depends_on_length: ClassVar[bool] = False
    factor: float = 0.5
    patience: int = 5
    min_delta: float = 0.0
    min_learning_rate: float = 0.0
    monitor: str = "val_loss"

    def _validate(self):
        _check(0 < self.factor < 1, "factor", self.factor, "in (0, 1)")
        _check(isinstance(self.patience, numbers.Integral) and self.patience >= 0,
               "patience", self.patience, "an integer >= 0")
        _check(self.min_delta >= 0, "min_delta", self.min_delta, ">= 0")
        _check(self.min_learning_rate >= 0, "min_learning_rate", self.min_learning_rate, ">= 0")
        _check(isinstance(self.monitor, str) and bool(self.monitor), "monitor", self.monitor,
               "a non-empty string")

    def _build(self, lr0, global_step, steps_per_epoch, n_epochs):
        variable = v1.Variable(tf.convert_to_tensor(lr0, tf.float32), dtype=tf.float32, trainable=False, name="learning_rate",
                               use_resource=True,
                               collections=[v1.GraphKeys.GLOBAL_VARIABLES])
        with v1.name_scope(_SCOPE):
            value = v1.placeholder(tf.float32, shape=(), name="new_learning_rate")
            assign = variable.assign(value, read_value=False, name="set_learning_rate")
            rate = tf.identity(variable, name="learning_rate")
        return ScheduleOps(rate, hook=PerformanceHook(copy.copy(self), variable, value, assign),
                           at_step=lambda step: (tf.identity(variable), None))


@dataclass
class OneCycle(Schedule):
    """1cycle: rate up linearly from ``start`` to ``max`` over the first half, back
    down to ``start`` over the second, then down to ``last`` over the final ~10%
    of steps; momentum (``momentum_range``) cycles the opposite way."""

    name: ClassVar[str] = "1cycle"
    max_learning_rate: Optional[float] = None
    start_factor: float = 0.1
    last_factor: float = 1e-3
    momentum_range: tuple = (0.95, 0.85)

    def _validate(self):
        _check(self.max_learning_rate is None or self.max_learning_rate > 0,
               "max_learning_rate", self.max_learning_rate, "> 0 or None")
        _check(0 < self.start_factor <= 1, "start_factor", self.start_factor, "in (0, 1]")
        _check(0 < self.last_factor <= 1, "last_factor", self.last_factor, "in (0, 1]")
        momenta = tuple(self.momentum_range)
        _check(len(momenta) == 2 and all(0 <= m < 1 for m in momenta), "momentum_range",
               self.momentum_range, "two values in [0, 1)")

    @staticmethod
    def phases(total_steps: int) -> tuple:
        """``(half, total)``: rate peaks at ``half``, is back at start at ``2 * half``."""
        last_steps = total_steps // 10 + 1
        return max((total_steps - last_steps) // 2, 0), total_steps

    def _build(self, lr0, global_step, steps_per_epoch, n_epochs):
        max_rate = float(self.max_learning_rate) if self.max_learning_rate else 10.0 * lr0
        start_rate = max_rate * self.start_factor
        last_rate = start_rate * self.last_factor
        high, low = (float(m) for m in self.momentum_range)
        half, total = self.phases(steps_per_epoch * n_epochs)

        def at_step(global_step):
            with v1.name_scope(_SCOPE):
                step = tf.minimum(tf.cast(global_step, tf.float32), float(total))
                rising, falling = step < half, step < 2 * half
                rate = tf.where(
                    rising, _linear(step, 0, half, start_rate, max_rate),
                    tf.where(falling, _linear(step, half, 2 * half, max_rate, start_rate),
                             _linear(step, 2 * half, total, start_rate, last_rate)))
                momentum = tf.where(rising, _linear(step, 0, half, high, low),
                                    tf.where(falling, _linear(step, half, 2 * half, low, high),
                                             tf.fill([], high)))
                return (tf.identity(rate, name="learning_rate"),
                        tf.identity(momentum, name="momentum"))

        rate, momentum = at_step(global_step)
        return ScheduleOps(rate, momentum=momentum, at_step=at_step)


_BY_NAME = {cls.name: cls for cls in
            (Constant, ExponentialDecay, PiecewiseConstant, PowerDecay, Performance, OneCycle)}


def get_schedule(schedule: Union[None, str, Schedule]) -> Schedule:
    """Resolve a schedule: None or a name (default hyper-parameters) or an instance.

    Raises
    ------
    ValueError
        For anything else; the message lists :data:`SCHEDULES`.
    """
    if schedule is None:
        return Constant()
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, str) and schedule in _BY_NAME:
        return _BY_NAME[schedule]()
    raise ValueError(f"Unknown learning-rate schedule {schedule!r}; valid names are "
                     f"{list(SCHEDULES)} (or a Schedule instance)")
