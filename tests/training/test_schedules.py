"""Learning-rate schedules: in-graph rates against closed formulas, the performance hook."""
import types

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn.training import build_train_op, make_optimizer
from tfgraph_dnn.training.schedules import (
    SCHEDULES, Constant, ExponentialDecay, OneCycle, Performance, PiecewiseConstant, PowerDecay,
    Schedule, ScheduleOps, get_schedule)

v1 = tf.compat.v1
RTOL = 1e-5


def evaluate_at(schedule, steps, lr0=0.01, steps_per_epoch=10, n_epochs=5):
    """Build ``schedule`` in a fresh graph; return (rates, momenta) at each global step."""
    with tf.Graph().as_default():
        global_step = v1.train.get_or_create_global_step()
        ops = schedule.build(lr0, global_step, steps_per_epoch, n_epochs)
        assert isinstance(ops, ScheduleOps)
        assert ops.learning_rate.dtype == tf.float32 and ops.learning_rate.shape.rank == 0
        new_step = v1.placeholder(tf.int64, shape=())
        set_step = global_step.assign(new_step)
        fetches = [ops.learning_rate] + ([ops.momentum] if ops.momentum is not None else [])
        rates, momenta = [], []
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            for step in steps:
                session.run(set_step, {new_step: step})
                values = session.run(fetches)
                rates.append(values[0])
                momenta.extend(values[1:])
    return np.array(rates), (np.array(momenta) if momenta else None)


def test_constant():
    rates, momenta = evaluate_at(Constant(), [0, 1, 17, 1000], lr0=0.03)
    np.testing.assert_allclose(rates, 0.03, rtol=RTOL)
    assert momenta is None


@pytest.mark.parametrize("decay_rate, decay_epochs", [(0.1, None), (0.5, 2.0), (0.01, 3.0)])
def test_exponential_decay(decay_rate, decay_epochs):
    steps = [0, 1, 17, 25, 50, 123]
    rates, _ = evaluate_at(ExponentialDecay(decay_rate, decay_epochs), steps, lr0=0.2)
    decay_steps = (decay_epochs or 5) * 10
    expected = [0.2 * decay_rate ** (s / decay_steps) for s in steps]
    np.testing.assert_allclose(rates, expected, rtol=RTOL)


def piecewise_expected(step, boundary_steps, values):
    """``tf.compat.v1.train.piecewise_constant``: a step equal to a boundary stays left."""
    return values[sum(step > b for b in boundary_steps)]


def test_piecewise_default_boundaries_at_and_after_each_boundary():
    # n_epochs=4, 10 steps per epoch: boundaries at epochs 2 and 3 -> steps 20 and 30
    steps = [0, 1, 17, 19, 20, 21, 29, 30, 31, 40, 100]
    rates, _ = evaluate_at(PiecewiseConstant(), steps, lr0=0.1, n_epochs=4)
    expected = [piecewise_expected(s, [20, 30], [0.1, 0.05, 0.01]) for s in steps]
    np.testing.assert_allclose(rates, expected, rtol=RTOL)
    at = dict(zip(steps, rates))
    assert at[20] == pytest.approx(0.1) and at[21] == pytest.approx(0.05)
    assert at[30] == pytest.approx(0.05) and at[31] == pytest.approx(0.01)


def test_piecewise_custom_boundaries_in_epochs():
    schedule = PiecewiseConstant(boundaries=[1.5, 3, 4], factors=[2.0, 1.0, 0.3, 0.01])
    steps = [0, 15, 16, 30, 31, 40, 41, 500]
    rates, _ = evaluate_at(schedule, steps, lr0=0.1)
    expected = [piecewise_expected(s, [15, 30, 40], [0.2, 0.1, 0.03, 0.001]) for s in steps]
    np.testing.assert_allclose(rates, expected, rtol=RTOL)


def test_piecewise_without_boundaries_is_constant():
    rates, _ = evaluate_at(PiecewiseConstant(boundaries=[], factors=[0.5]), [0, 7, 99], lr0=0.1)
    np.testing.assert_allclose(rates, 0.05, rtol=RTOL)


@pytest.mark.parametrize("decay_epochs, power, n_epochs", [(None, 1.0, 20), (None, 1.0, 5),
                                                           (0.5, 2.0, 5), (3.0, 0.5, 5)])
def test_power_decay(decay_epochs, power, n_epochs):
    steps = [0, 1, 17, 20, 100, 1234]
    rates, _ = evaluate_at(PowerDecay(decay_epochs, power), steps, lr0=0.1, n_epochs=n_epochs)
    decay_steps = (decay_epochs or max(1, n_epochs / 10)) * 10
    expected = [0.1 / (1 + s / decay_steps) ** power for s in steps]
    np.testing.assert_allclose(rates, expected, rtol=RTOL)


def one_cycle_expected(step, total, max_rate, start_factor=0.1, last_factor=1e-3,
                       momenta=(0.95, 0.85)):
    """The 1cycle closed formula: (rate, momentum) at ``step``."""
    start = max_rate * start_factor
    last = start * last_factor
    half = (total - (total // 10 + 1)) // 2
    high, low = momenta
    s = min(step, total)
    if s < half:
        return start + (max_rate - start) * s / half, high + (low - high) * s / half
    if s < 2 * half:
        t = (s - half) / half
        return max_rate + (start - max_rate) * t, low + (high - low) * t
    return start + (last - start) * (s - 2 * half) / (total - 2 * half), high


@pytest.mark.parametrize("max_learning_rate, lr0", [(None, 0.01), (0.5, 0.01)])
def test_one_cycle_rate_and_momentum(max_learning_rate, lr0):
    total = 10 * 5  # last_steps = 6, half = 22
    half = 22
    steps = [0, 1, 11, 17, half - 1, half, half + 1, 30, 2 * half - 1, 2 * half, 47,
             total - 1, total, total + 1, 500]
    rates, momenta = evaluate_at(OneCycle(max_learning_rate=max_learning_rate), steps, lr0=lr0)
    max_rate = max_learning_rate or 10 * lr0
    expected = np.array([one_cycle_expected(s, total, max_rate) for s in steps])
    np.testing.assert_allclose(rates, expected[:, 0], rtol=RTOL)
    np.testing.assert_allclose(momenta, expected[:, 1], rtol=RTOL)
    assert rates[steps.index(half)] == pytest.approx(max_rate)
    assert rates[steps.index(2 * half)] == pytest.approx(max_rate / 10)
    assert rates[-1] == pytest.approx(max_rate / 10 * 1e-3)
    assert momenta[steps.index(half)] == pytest.approx(0.85)
    np.testing.assert_allclose(momenta[steps.index(2 * half):], 0.95, rtol=RTOL)


def test_one_cycle_custom_factors_and_tiny_run():
    schedule = OneCycle(max_learning_rate=1.0, start_factor=0.2, last_factor=0.01,
                        momentum_range=(0.9, 0.8))
    steps = [0, 5, 13, 26, 30, 37, 99]  # total 37: half = (37 - 4) // 2 = 16
    rates, momenta = evaluate_at(schedule, steps, steps_per_epoch=37, n_epochs=1)
    expected = np.array([one_cycle_expected(s, 37, 1.0, 0.2, 0.01, (0.9, 0.8)) for s in steps])
    np.testing.assert_allclose(rates, expected[:, 0], rtol=RTOL)
    np.testing.assert_allclose(momenta, expected[:, 1], rtol=RTOL)
    # one step in all: half = 0, so no division by zero, straight to the final decay
    rates, momenta = evaluate_at(OneCycle(), [0, 1, 5], lr0=0.1, steps_per_epoch=1, n_epochs=1)
    np.testing.assert_allclose(rates, [0.1, 1e-4, 1e-4], rtol=RTOL)
    np.testing.assert_allclose(momenta, 0.95, rtol=RTOL)


# ---------------------------------------------------------------- performance scheduling
class PerformanceRun:
    """A built Performance schedule, its session and a fake loop state for its hook."""

    def __init__(self, schedule, lr0=0.1):
        self.graph = tf.Graph()
        with self.graph.as_default():
            global_step = v1.train.get_or_create_global_step()
            self.ops = schedule.build(lr0, global_step, 10, 5)
            self.saver = v1.train.Saver()
            init = v1.global_variables_initializer()
        self.graph.finalize()  # the hook must not add ops while training
        self.session = v1.Session(graph=self.graph)
        self.session.run(init)
        self.state = types.SimpleNamespace(session=self.session)
        self.hook = self.ops.hook

    def epoch(self, **logs):
        self.hook.on_epoch_end(self.state, {"epoch": 0, **logs})
        return float(self.session.run(self.ops.learning_rate))


def test_performance_lowers_rate_exactly_after_patience():
    run = PerformanceRun(Performance(factor=0.5, patience=3))
    assert run.epoch(loss=9.0, val_loss=1.0) == pytest.approx(0.1)  # first value: best
    assert run.epoch(loss=9.0, val_loss=1.0) == pytest.approx(0.1)  # wait 1
    assert run.epoch(loss=9.0, val_loss=1.5) == pytest.approx(0.1)  # wait 2
    assert run.hook.state_dict() == {"best": 1.0, "wait": 2}
    assert run.epoch(loss=9.0, val_loss=1.0) == pytest.approx(0.05)  # wait 3: lowered
    assert run.hook.wait == 0
    assert run.epoch(val_loss=0.9) == pytest.approx(0.05)  # improvement resets
    assert run.epoch(val_loss=0.95) == pytest.approx(0.05)
    assert run.epoch(val_loss=0.8) == pytest.approx(0.05)  # improvement before patience
    for _ in range(2):
        assert run.epoch(val_loss=0.8) == pytest.approx(0.05)
    assert run.epoch(val_loss=0.8) == pytest.approx(0.025)


def test_performance_min_delta_min_rate_and_loss_fallback():
    run = PerformanceRun(Performance(factor=0.1, patience=1, min_delta=0.1,
                                     min_learning_rate=0.003, monitor="val_error"))
    assert run.epoch(loss=1.0) == pytest.approx(0.1)  # monitor missing: watches "loss"
    assert run.epoch(loss=0.95) == pytest.approx(0.01)  # not better by more than min_delta
    assert run.hook.state_dict()["best"] == pytest.approx(1.0)
    assert run.epoch(loss=0.85) == pytest.approx(0.01)  # better by 0.15: an improvement
    assert run.epoch(loss=0.85) == pytest.approx(0.003)  # 0.001 would be below the floor
    assert run.epoch(loss=0.85) == pytest.approx(0.003)
    assert run.epoch(loss=0.7, val_error=5.0) == pytest.approx(0.003)  # now watches val_error
    assert run.hook.state_dict() == {"best": pytest.approx(0.85), "wait": 0}


def test_performance_variable_and_state_round_trip(tmp_path):
    run = PerformanceRun(Performance(factor=0.5, patience=2))
    with run.graph.as_default():
        variable, = [v for v in v1.global_variables() if v.op.name == "learning_rate"]
        assert variable not in v1.trainable_variables()
        assert variable.dtype.base_dtype == tf.float32
    for loss in (1.0, 2.0, 2.0, 0.5, 3.0):
        run.epoch(val_loss=loss)
    saved = run.hook.state_dict()
    assert saved == {"best": 0.5, "wait": 1}
    with run.graph.as_default():  # Saver.save/restore outside the graph would go eager
        path = run.saver.save(run.session, str(tmp_path / "ckpt"))
    restored = PerformanceRun(Performance(factor=0.5, patience=2))
    with restored.graph.as_default():
        restored.saver.restore(restored.session, path)
    restored.hook.load_state_dict(saved)
    assert restored.hook.state_dict() == saved
    assert float(restored.session.run(restored.ops.learning_rate)) == pytest.approx(0.05)
    assert restored.epoch(val_loss=0.6) == pytest.approx(0.025)  # second non-improving epoch
    fresh = PerformanceRun(Performance()).hook
    assert fresh.state_dict() == {"best": None, "wait": 0}


# ---------------------------------------------------------------- resolution and validation
def test_get_schedule_names_instances_and_none():
    expected = {"constant": Constant, "exponential": ExponentialDecay,
                "piecewise": PiecewiseConstant, "power": PowerDecay,
                "performance": Performance, "1cycle": OneCycle}
    assert set(expected) == set(SCHEDULES)
    for name, cls in expected.items():
        schedule = get_schedule(name)
        assert type(schedule) is cls and schedule == cls()
    assert get_schedule(None) == Constant()
    custom = OneCycle(max_learning_rate=0.3)
    assert get_schedule(custom) is custom


@pytest.mark.parametrize("bad", ["cosine", "Exponential", 3, Constant])
def test_get_schedule_rejects_unknown(bad):
    with pytest.raises(ValueError) as error:
        get_schedule(bad)
    for name in SCHEDULES:
        assert repr(name) in str(error.value)


@pytest.mark.parametrize("schedule, kwargs, parameter", [
    (Constant(), dict(learning_rate=0.0), "learning_rate"),
    (Constant(), dict(steps_per_epoch=0), "steps_per_epoch"),
    (Constant(), dict(n_epochs=2.5), "n_epochs"),
    (ExponentialDecay(decay_rate=0.0), {}, "decay_rate"),
    (ExponentialDecay(decay_epochs=-1.0), {}, "decay_epochs"),
    (PiecewiseConstant(boundaries=[1, 2], factors=[1.0, 0.5]), {}, "factors"),
    (PiecewiseConstant(factors=[1.0, 0.5]), {}, "factors"),
    (PiecewiseConstant(boundaries=[2, 1], factors=[1.0, 0.5, 0.1]), {}, "boundaries"),
    (PiecewiseConstant(boundaries=[1], factors=[1.0, -0.5]), {}, "factors"),
    (PowerDecay(power=0.0), {}, "power"),
    (PowerDecay(decay_epochs=0.0), {}, "decay_epochs"),
    (Performance(factor=1.0), {}, "factor"),
    (Performance(factor=0.0), {}, "factor"),
    (Performance(patience=-1), {}, "patience"),
    (Performance(min_delta=-0.1), {}, "min_delta"),
    (Performance(min_learning_rate=-1.0), {}, "min_learning_rate"),
    (OneCycle(max_learning_rate=0.0), {}, "max_learning_rate"),
    (OneCycle(start_factor=0.0), {}, "start_factor"),
    (OneCycle(last_factor=2.0), {}, "last_factor"),
    (OneCycle(momentum_range=(0.95,)), {}, "momentum_range"),
    (OneCycle(momentum_range=(0.95, 1.5)), {}, "momentum_range"),
])
def test_invalid_parameters_raise_before_building(schedule, kwargs, parameter):
    arguments = {"learning_rate": 0.01, "steps_per_epoch": 10, "n_epochs": 5, **kwargs}
    with tf.Graph().as_default() as graph:
        global_step = v1.train.get_or_create_global_step()
        n_ops = len(graph.get_operations())
        with pytest.raises(ValueError, match=parameter):
            schedule.build(global_step=global_step, **arguments)
        assert len(graph.get_operations()) == n_ops
    assert isinstance(schedule, Schedule)


# ---------------------------------------------------------------- with a real optimizer
def test_exponential_decay_drives_momentum_optimizer():
    rng = np.random.RandomState(0)
    X = rng.randn(16, 3).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)
    lr0, decay_rate, steps_per_epoch, momentum = 0.05, 0.1, 5, 0.9
    with tf.Graph().as_default():
        global_step = v1.train.get_or_create_global_step()
        w = v1.Variable(np.zeros(3, np.float32), name="w")
        loss = tf.reduce_mean(tf.square(tf.linalg.matvec(tf.constant(X), w) - y))
        ops = ExponentialDecay(decay_rate, decay_epochs=1).build(lr0, global_step,
                                                                steps_per_epoch, 4)
        optimizer = make_optimizer("momentum", ops.learning_rate, momentum=momentum)
        train_op = build_train_op(loss, optimizer, global_step)
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            for _ in range(10):
                session.run(train_op)
            step, rate, weights = session.run([global_step, ops.learning_rate, w])
    assert step == 10
    assert rate == pytest.approx(lr0 * decay_rate ** 2, rel=RTOL)
    # the same 10 momentum steps in NumPy, with the scheduled rate at each step
    w_np, velocity = np.zeros(3), np.zeros(3)
    for t in range(10):
        grad = 2 * X.T.astype(np.float64) @ (X @ w_np - y) / len(X)
        velocity = momentum * velocity + grad
        w_np -= lr0 * decay_rate ** (t / steps_per_epoch) * velocity
    np.testing.assert_allclose(weights, w_np, rtol=1e-4, atol=1e-6)


def test_one_cycle_momentum_feeds_momentum_optimizer():
    with tf.Graph().as_default():
        global_step = v1.train.get_or_create_global_step()
        w = v1.Variable([1.0], name="w")
        ops = OneCycle().build(0.01, global_step, 4, 2)
        optimizer = make_optimizer("momentum", ops.learning_rate, momentum=ops.momentum)
        train_op = build_train_op(tf.reduce_sum(tf.square(w)), optimizer, global_step)
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            for _ in range(3):
                session.run(train_op)
            assert session.run(global_step) == 3
            assert np.isfinite(session.run(w)).all()
