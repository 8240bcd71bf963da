"""TF1 RNN cells of ``tfgraph_dnn.nn.rnn_cell``: names, shapes, math, TF1's RNN functions.

Every cell is checked against an independent NumPy recurrence for weights set
by assignment, through ``tf.compat.v1.nn.dynamic_rnn`` (with
``sequence_length`` masking), ``static_rnn`` and ``bidirectional_dynamic_rnn``,
with TF1's variable names.  Graphs are built inside ``with tf.Graph().as_default():``
(eager mode is never disabled here); one test trains, in a subprocess
(``tf1_lstm_script.py``), through ``import tfgraph_dnn.tf1 as tf``.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn.nn import rnn_cell as rc

from _support import global_variable as var
from _support import run_initialized as run
from _background import tf1_mode_script

v1 = tf.compat.v1
rng = np.random.default_rng(3)
B, T, D = 3, 4, 2


# --------------------------------------------------------------------------- helpers


def shapes():
    return {v.op.name: v.shape.as_list() for v in v1.global_variables()}


def randn(*shape):
    return rng.normal(size=shape).astype(np.float32)


def random_weights(prefix):
    """Random values for every variable under ``prefix`` (``{name: array}``)."""
    return {n: randn(*s) for n, s in shapes().items() if n.startswith(prefix)}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_unroll(step, xs, state, lengths=None):
    """Run ``step(x_t, state) -> (out, state)`` over time, TF1's masking past ``lengths``."""
    outs = []
    for t in range(xs.shape[1]):
        out, new = step(xs[:, t], state)
        if lengths is not None:
            alive = (t < lengths)[:, None]
            out = np.where(alive, out, 0)
            new = tuple(np.where(alive, n, s) for n, s in zip(new, state))
        outs.append(out)
        state = new
    return np.stack(outs, 1), state


def np_lstm(w, prefix, forget_bias=1.0, peep=False, cell_clip=None, proj_clip=None):
    kernel, bias = w[prefix + "kernel"], w[prefix + "bias"]

    def step(x, state):
        c, h = state
        i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
        if peep:
            f, i = f + w[prefix + "w_f_diag"] * c, i + w[prefix + "w_i_diag"] * c
        c = c * sigmoid(f + forget_bias) + sigmoid(i) * np.tanh(j)
        if cell_clip is not None:
            c = np.clip(c, -cell_clip, cell_clip)
        if peep:
            o = o + w[prefix + "w_o_diag"] * c
        h = sigmoid(o) * np.tanh(c)
        if prefix + "projection/kernel" in w:
            h = h @ w[prefix + "projection/kernel"]
            if proj_clip is not None:
                h = np.clip(h, -proj_clip, proj_clip)
        return h, (c, h)
    return step


def np_gru(w, prefix):
    def step(x, state):
        (h,) = state
        gates = sigmoid(np.concatenate([x, h], 1) @ w[prefix + "gates/kernel"]
                        + w[prefix + "gates/bias"])
        r, u = np.split(gates, 2, axis=1)
        c = np.tanh(np.concatenate([x, r * h], 1) @ w[prefix + "candidate/kernel"]
                    + w[prefix + "candidate/bias"])
        h = u * h + (1 - u) * c
        return h, (h,)
    return step


def np_basic_rnn(w, prefix):
    def step(x, state):
        (h,) = state
        h = np.tanh(np.concatenate([x, h], 1) @ w[prefix + "kernel"] + w[prefix + "bias"])
        return h, (h,)
    return step


def inputs():
    return v1.placeholder(tf.float32, [None, T, D]), randn(B, T, D)


# ------------------------------------------------------------------------------ cells
def test_basic_rnn_cell_one_step_names_and_math(graph):
    cell = rc.BasicRNNCell(4)
    x, h = v1.placeholder(tf.float32, [None, D]), v1.placeholder(tf.float32, [None, 4])
    out, state = cell(x, h)
    assert (cell.state_size, cell.output_size) == (4, 4)
    assert shapes() == {"basic_rnn_cell/kernel": [D + 4, 4], "basic_rnn_cell/bias": [4]}
    assert [v.op.name for v in cell.trainable_weights] == list(shapes())
    w, xv, hv = random_weights(""), randn(B, D), randn(B, 4)
    got_out, got_state = run([out, state], {x: xv, h: hv}, w)
    expected, _ = np_basic_rnn(w, "basic_rnn_cell/")(xv, (hv,))
    np.testing.assert_allclose(got_out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got_out, got_state)


def test_basic_lstm_cell_dynamic_rnn_with_sequence_length(graph):
    x, xv = inputs()
    lengths = np.array([4, 2, 1], np.int32)
    seq = v1.placeholder(tf.int32, [None])
    cell = rc.BasicLSTMCell(5)
    outputs, state = v1.nn.dynamic_rnn(cell, x, sequence_length=seq, dtype=tf.float32)
    assert shapes() == {"rnn/basic_lstm_cell/kernel": [D + 5, 20],
                        "rnn/basic_lstm_cell/bias": [20]}
    assert isinstance(state, rc.LSTMStateTuple) and cell.state_size == (5, 5)
    assert outputs.shape.as_list() == [None, T, 5] and state.c.shape.as_list() == [None, 5]
    w = random_weights("rnn/")
    got = run([outputs, state], {x: xv, seq: lengths}, w)
    zeros = (np.zeros((B, 5), np.float32),) * 2
    expected, (c, h) = np_unroll(np_lstm(w, "rnn/basic_lstm_cell/"), xv, zeros, lengths)
    np.testing.assert_allclose(got[0], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1].c, c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1].h, h, rtol=1e-5, atol=1e-6)
    assert np.all(got[0][1, 2:] == 0) and np.any(got[0][1, :2] != 0)  # masked past length


def test_basic_lstm_cell_concatenated_state_and_forget_bias(graph):
    x, xv = inputs()
    cell = rc.BasicLSTMCell(3, forget_bias=0.0, state_is_tuple=False)
    outputs, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert cell.state_size == 6 and state.shape.as_list() == [None, 6]
    w = random_weights("rnn/")
    got_out, got_state = run([outputs, state], {x: xv}, w)
    zeros = (np.zeros((B, 3), np.float32),) * 2
    expected, (c, h) = np_unroll(np_lstm(w, "rnn/basic_lstm_cell/", forget_bias=0.0), xv, zeros)
    np.testing.assert_allclose(got_out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, np.concatenate([c, h], 1), rtol=1e-5, atol=1e-6)


def test_lstm_cell_peepholes_clipping_projection(graph):
    x, xv = inputs()
    cell = rc.LSTMCell(4, use_peepholes=True, cell_clip=0.3, num_proj=3, proj_clip=0.25)
    outputs, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    p = "rnn/lstm_cell/"
    assert shapes() == {p + "kernel": [D + 3, 16], p + "bias": [16], p + "w_f_diag": [4],
                        p + "w_i_diag": [4], p + "w_o_diag": [4],
                        p + "projection/kernel": [4, 3]}
    assert cell.state_size == (4, 3) and cell.output_size == 3
    assert state.c.shape.as_list() == [None, 4] and state.h.shape.as_list() == [None, 3]
    w = random_weights("rnn/")
    got = run([outputs, state], {x: xv}, w)
    start = (np.zeros((B, 4), np.float32), np.zeros((B, 3), np.float32))
    expected, (c, h) = np_unroll(np_lstm(w, p, peep=True, cell_clip=0.3, proj_clip=0.25),
                                 xv, start)
    np.testing.assert_allclose(got[0], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1].c, c, rtol=1e-5, atol=1e-6)
    assert np.abs(got[1].c).max() <= 0.3 + 1e-6 and np.abs(got[0]).max() <= 0.25 + 1e-6


def test_lstm_cell_initializer_and_shards(graph):
    x, _ = inputs()
    cell = rc.LSTMCell(4, use_peepholes=True, initializer=v1.constant_initializer(0.5),
                       num_unit_shards=2)
    v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert sorted(shapes()) == ["rnn/lstm_cell/bias", "rnn/lstm_cell/kernel/part_0",
                                "rnn/lstm_cell/kernel/part_1", "rnn/lstm_cell/w_f_diag",
                                "rnn/lstm_cell/w_i_diag", "rnn/lstm_cell/w_o_diag"]
    values = run({n: var(n) for n in shapes()})
    assert all(np.all(v == 0.5) for n, v in values.items() if not n.endswith("bias"))
    assert np.all(values["rnn/lstm_cell/bias"] == 0)


def test_gru_cell_names_initial_biases_and_math(graph):
    x, xv = inputs()
    outputs, state = v1.nn.dynamic_rnn(rc.GRUCell(3), x, dtype=tf.float32)
    p = "rnn/gru_cell/"
    assert shapes() == {p + "gates/kernel": [D + 3, 6], p + "gates/bias": [6],
                        p + "candidate/kernel": [D + 3, 3], p + "candidate/bias": [3]}
    initial = run({"g": var(p + "gates/bias"), "c": var(p + "candidate/bias")})
    assert np.all(initial["g"] == 1.0) and np.all(initial["c"] == 0.0)
    w = random_weights("rnn/")
    got_out, got_state = run([outputs, state], {x: xv}, w)
    expected, (h,) = np_unroll(np_gru(w, p), xv, (np.zeros((B, 3), np.float32),))
    np.testing.assert_allclose(got_out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, h, rtol=1e-5, atol=1e-6)


def test_cells_reject_integer_inputs_and_unknown_depth(graph):
    with pytest.raises(ValueError, match="floating point"):
        rc.GRUCell(2)(tf.zeros([1, 2], tf.int32), tf.zeros([1, 2], tf.int32))
    with pytest.raises(ValueError, match="inputs.shape"):
        rc.BasicRNNCell(2)(v1.placeholder(tf.float32, [None, None]), tf.zeros([1, 2]))


# ------------------------------------------------------------------------- MultiRNNCell
def test_multi_rnn_cell_scopes_state_and_math(graph):
    x, xv = inputs()
    cell = rc.MultiRNNCell([rc.LSTMCell(4), rc.GRUCell(3)])
    outputs, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    p0, p1 = "rnn/multi_rnn_cell/cell_0/lstm_cell/", "rnn/multi_rnn_cell/cell_1/gru_cell/"
    assert shapes() == {p0 + "kernel": [D + 4, 16], p0 + "bias": [16],
                        p1 + "gates/kernel": [7, 6], p1 + "gates/bias": [6],
                        p1 + "candidate/kernel": [7, 3], p1 + "candidate/bias": [3]}
    assert [v.op.name for v in cell.weights] == list(shapes())
    assert cell.state_size == (rc.LSTMStateTuple(4, 4), 3) and cell.output_size == 3
    assert isinstance(state[0], rc.LSTMStateTuple) and state[1].shape.as_list() == [None, 3]
    w = random_weights("rnn/")
    got_out, got_state = run([outputs, state], {x: xv}, w)
    lstm, gru = np_lstm(w, p0), np_gru(w, p1)

    def stacked(x_t, s):
        h0, s0 = lstm(x_t, s[:2])
        h1, s1 = gru(h0, s[2:])
        return h1, s0 + s1

    zeros = tuple(np.zeros((B, n), np.float32) for n in (4, 4, 3))
    expected, final = np_unroll(stacked, xv, zeros)
    np.testing.assert_allclose(got_out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state[0].h, final[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state[1], final[2], rtol=1e-5, atol=1e-6)


def test_multi_rnn_cell_concatenated_state_and_errors(graph):
    cell = rc.MultiRNNCell([rc.GRUCell(3), rc.BasicRNNCell(2)], state_is_tuple=False)
    assert cell.state_size == 5
    x, _ = inputs()
    _, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert state.shape.as_list() == [None, 5]
    with pytest.raises(ValueError, match="state_is_tuple"):
        rc.MultiRNNCell([rc.LSTMCell(2)], state_is_tuple=False)
    with pytest.raises(ValueError, match="at least one cell"):
        rc.MultiRNNCell([])


# ----------------------------------------------------------------------------- wrappers
def test_dropout_wrapper_keep_prob_one_is_the_identity(graph):
    x, xv = inputs()
    cell = rc.LSTMCell(4)
    plain, _ = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    wrapped = rc.DropoutWrapper(cell, input_keep_prob=1.0, output_keep_prob=1.0,
                                state_keep_prob=1.0)
    with v1.variable_scope("rnn", reuse=True):
        same, _ = v1.nn.dynamic_rnn(wrapped, x, dtype=tf.float32, scope="rnn")
    assert sorted(shapes()) == ["rnn/lstm_cell/bias", "rnn/lstm_cell/kernel"]
    assert [v.op.name for v in wrapped.weights] == ["rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"]
    assert not [op for op in graph.get_operations()
                if op.type.startswith("Random") and "Initializer" not in op.name]
    a, b = run([plain, same], {x: xv})
    np.testing.assert_array_equal(a, b)


def test_dropout_wrapper_scales_kept_values_and_spares_lstm_memory(graph):
    x = v1.placeholder(tf.float32, [None, D])
    xv = randn(400, D)
    cell = rc.BasicLSTMCell(8)
    zero = cell.zero_state(tf.shape(x)[0], tf.float32)
    plain_out, plain_state = cell(x, zero)
    keep = v1.placeholder_with_default(0.25, [])
    dropped = rc.DropoutWrapper(cell, output_keep_prob=keep, state_keep_prob=0.5, seed=3)
    out, state = dropped(x, zero)
    p, d, ps, ds, full = run([plain_out, out, plain_state, state, out], {x: xv})
    kept = d != 0
    np.testing.assert_allclose(d[kept], p[kept] / 0.25, rtol=1e-5)
    assert 0.15 < kept.mean() < 0.35
    np.testing.assert_array_equal(ds.c, ps.c)  # the memory c is never dropped
    kept_h = ds.h != 0
    np.testing.assert_allclose(ds.h[kept_h], ps.h[kept_h] / 0.5, rtol=1e-5)
    assert 0.4 < kept_h.mean() < 0.6
    fed = run(out, {x: xv, keep: 1.0})
    np.testing.assert_allclose(fed, p, rtol=1e-6)  # a placeholder switches dropout off
    with pytest.raises(ValueError, match="between 0 and 1"):
        rc.DropoutWrapper(cell, input_keep_prob=1.5)


def test_dropout_wrapper_variational_reuses_one_mask_over_time(graph):
    x = v1.placeholder(tf.float32, [None, T, D])
    xv = np.abs(randn(200, T, D)) + 0.1
    inner = rc.BasicRNNCell(40)
    cell = rc.DropoutWrapper(inner, output_keep_prob=0.5, variational_recurrent=True,
                             dtype=tf.float32)
    outputs, _ = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    with v1.variable_scope("rnn", reuse=True):
        plain, _ = v1.nn.dynamic_rnn(inner, x, dtype=tf.float32, scope="rnn")
    got, expected = run([outputs, plain], {x: xv})
    masks = got != 0
    # TF1's variational mask has shape [1, units]: one mask for every step and example.
    assert np.all(masks == masks[:1, :1])
    assert 0.25 < masks.mean() < 0.75
    np.testing.assert_allclose(got[masks], expected[masks] / 0.5, rtol=1e-5)
    with pytest.raises(ValueError, match="dtype must be provided"):
        rc.DropoutWrapper(rc.GRUCell(2), variational_recurrent=True)


def test_residual_and_device_wrappers(graph):
    x = v1.placeholder(tf.float32, [None, 3])
    xv = randn(B, 3)
    cell = rc.BasicRNNCell(3)
    h = cell.zero_state(B, tf.float32)
    plain, _ = cell(x, h)
    residual, _ = rc.ResidualWrapper(cell)(x, h)
    device = rc.DeviceWrapper(cell, "/cpu:0")
    on_cpu, _ = device(x, h)
    assert on_cpu.device.lower().endswith("cpu:0")
    assert device.zero_state(B, tf.float32).device.lower().endswith("cpu:0")
    assert sorted(shapes()) == ["basic_rnn_cell/bias", "basic_rnn_cell/kernel"]
    p, r, c = run([plain, residual, on_cpu], {x: xv})
    np.testing.assert_allclose(r, xv + p, rtol=1e-6)
    np.testing.assert_array_equal(c, p)


def test_projection_wrappers_have_their_own_scope(graph):
    x, xv = inputs()
    cell = rc.OutputProjectionWrapper(rc.InputProjectionWrapper(rc.GRUCell(3), 5), 2)
    outputs, _ = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    o = "rnn/output_projection_wrapper/"
    i = o + "input_projection_wrapper/"
    assert shapes() == {i + "kernel": [D, 5], i + "bias": [5],
                        i + "gru_cell/gates/kernel": [8, 6], i + "gru_cell/gates/bias": [6],
                        i + "gru_cell/candidate/kernel": [8, 3],
                        i + "gru_cell/candidate/bias": [3], o + "kernel": [3, 2], o + "bias": [2]}
    assert outputs.shape.as_list() == [None, T, 2] and len(cell.weights) == 8
    w = random_weights("rnn/")
    gru = np_gru(w, i + "gru_cell/")

    def step(x_t, s):
        h, s = gru(x_t @ w[i + "kernel"] + w[i + "bias"], s)
        return h @ w[o + "kernel"] + w[o + "bias"], s

    expected, _ = np_unroll(step, xv, (np.zeros((B, 3), np.float32),))
    np.testing.assert_allclose(run(outputs, {x: xv}, w), expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- scopes, reuse, state
def test_reuse_across_two_dynamic_rnn_calls(graph):
    x, xv = inputs()
    with v1.variable_scope("encoder") as scope:
        first, _ = v1.nn.dynamic_rnn(rc.BasicLSTMCell(4), x, dtype=tf.float32)
    with v1.variable_scope(scope, reuse=True):
        second, _ = v1.nn.dynamic_rnn(rc.BasicLSTMCell(4), x * 1.0, dtype=tf.float32)
    assert sorted(shapes()) == ["encoder/rnn/basic_lstm_cell/bias",
                                "encoder/rnn/basic_lstm_cell/kernel"]
    a, b = run([first, second], {x: xv})
    np.testing.assert_array_equal(a, b)
    with v1.variable_scope("encoder"):
        with pytest.raises(ValueError, match="already exists"):
            v1.nn.dynamic_rnn(rc.BasicLSTMCell(4), x, dtype=tf.float32)


def test_static_and_bidirectional_rnn_names_and_agreement(graph):
    x, xv = inputs()
    cell = rc.GRUCell(3)
    dynamic, _ = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    with v1.variable_scope(v1.get_variable_scope(), reuse=True):
        static, _ = rc.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    (fw, bw), (sfw, sbw) = v1.nn.bidirectional_dynamic_rnn(
        rc.LSTMCell(2), rc.BasicLSTMCell(2), x, dtype=tf.float32)
    stacked, states_fw, _ = rc.stack_bidirectional_dynamic_rnn(
        [rc.GRUCell(2), rc.GRUCell(2)], [rc.GRUCell(2), rc.GRUCell(2)], x, dtype=tf.float32)
    names = set(shapes())
    assert {"rnn/gru_cell/gates/kernel", "bidirectional_rnn/fw/lstm_cell/kernel",
            "bidirectional_rnn/bw/basic_lstm_cell/kernel",
            "stack_bidirectional_rnn/cell_1/bidirectional_rnn/bw/gru_cell/gates/kernel"} <= names
    assert len(names) == 4 + 4 + 16
    assert stacked.shape.as_list() == [None, T, 4] and len(states_fw) == 2
    assert isinstance(sfw, rc.LSTMStateTuple) and bw.shape.as_list() == [None, T, 2]
    d, s = run([dynamic, static], {x: xv})
    np.testing.assert_allclose(np.stack(s, 1), d, rtol=1e-5, atol=1e-6)


def test_zero_state_and_get_initial_state(graph):
    cell = rc.MultiRNNCell([rc.BasicLSTMCell(3), rc.GRUCell(2)])
    zeros = cell.zero_state(5, tf.float32)
    assert zeros[0].c.shape.as_list() == [5, 3] and zeros[1].shape.as_list() == [5, 2]
    batch = v1.placeholder(tf.int32, [])
    dynamic = rc.LSTMCell(4, num_proj=2).zero_state(batch, tf.float64)
    assert dynamic.h.dtype == tf.float64 and dynamic.h.shape.as_list() == [None, 2]
    assert run(dynamic, {batch: 3}).c.shape == (3, 4)
    x = v1.placeholder(tf.float32, [7, D])
    initial = rc.GRUCell(2).get_initial_state(inputs=x)
    assert initial.shape.as_list() == [7, 2] and initial.dtype == tf.float32
    with pytest.raises(ValueError, match="batch size"):
        rc.GRUCell(2).get_initial_state(inputs=x, batch_size=3)
    with pytest.raises(ValueError, match="cannot be None"):
        rc.GRUCell(2).get_initial_state()


def test_old_style_cell_with_get_variable_in_call_is_shared_and_tracked(graph):
    class MyCell(rc.RNNCell):
        state_size = output_size = 3

        def call(self, inputs, state):
            w = v1.get_variable("w", [int(inputs.shape[-1]) + 3, 3])
            out = tf.tanh(tf.matmul(tf.concat([inputs, state], 1), w))
            return out, out

    x, xv = inputs()
    cell = MyCell()
    outputs, _ = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert shapes() == {"rnn/my_cell/w": [D + 3, 3]}
    assert [v.op.name for v in cell.trainable_weights] == ["rnn/my_cell/w"]
    assert run(outputs, {x: xv}).shape == (B, T, 3)
    with pytest.raises(TypeError, match="not an RNNCell"):
        rc.DropoutWrapper(object())


def test_module_exports_and_side_effect_free_resolve():
    from tfgraph_dnn import tf1_api
    assert rc.static_rnn is v1.nn.static_rnn and rc.dynamic_rnn is v1.nn.dynamic_rnn
    assert set(rc.__all__) <= set(dir(rc))
    assert tf1_api.resolve(["nn", "rnn_cell", "LSTMCell"]) is None
    assert tf1_api.resolve(["contrib", "rnn", "stack_bidirectional_dynamic_rnn"]) is None
    assert "does not exist" in tf1_api.resolve(["nn", "rnn_cell", "NoSuchCell"])
    assert tf.executing_eagerly() and "tfgraph_dnn.tf1" not in sys.modules


def test_transpose_batch_time_and_batch_size(graph):
    x = v1.placeholder(tf.float32, [None, 5, 2])
    flipped = rc.transpose_batch_time(x)
    assert flipped.shape.as_list() == [5, None, 2]
    assert rc.best_effort_input_batch_size([flipped]) is not None
    assert rc.best_effort_input_batch_size([tf.zeros([5, 4, 2])]) == 4
    assert run(flipped, {x: np.zeros((3, 5, 2))}).shape == (5, 3, 2)


# ------------------------------------------------------------------ the tf1 namespace
# Run in the TF1-mode process several folders share (``_support.tf1_mode_script``).
TRAIN_PROCESS = tf1_mode_script(os.path.join(os.path.dirname(__file__), "tf1_lstm_script.py"),
                                order=5, module=__file__, fixture="train_entry")


@pytest.fixture(scope="module")
def train_entry():
    return TRAIN_PROCESS.required("tf1_lstm_script")


@pytest.mark.slow
def test_tf1_namespace_trains_lstm_with_nn_rnn_cell_and_contrib_rnn(train_entry):
    assert train_entry["ok"], (train_entry["error"], train_entry["stderr"][-3000:])
    results = json.loads(train_entry["stdout"].strip().splitlines()[-1])
    assert results["eager"] is False
    lstm = "rnn/lstm_cell/"
    expected = {
        "nn": ["rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"],
        "contrib": [lstm + "kernel", lstm + "bias", lstm + "w_f_diag", lstm + "w_i_diag",
                    lstm + "w_o_diag"]}
    for kind, names in expected.items():
        result = results[kind]
        assert result["names"] == names + ["dense/kernel", "dense/bias"]
        assert result["saved"] == sorted(names + ["dense/kernel", "dense/bias"])
        assert result["types"] == ["RefVariable"]
        assert result["losses"][-1] < 0.8 * result["losses"][0], result["losses"]
    noise = [line for line in train_entry["stderr"].splitlines()
             if "WARNING:tensorflow" in line or "deprecat" in line.lower()]
    assert noise == []
