"""TF1 ``tf.layers`` parity of ``tfgraph_dnn.layers``: classes, functions, names, math.

One group per layer, in the tf-slim manner: variable names and shapes, graph
collections, static output shapes, and outputs checked against independent
NumPy reference formulas for weights set by assignment.  Every graph is built
inside ``with tf.Graph().as_default():``; eager mode is never disabled here
(the ``disable_v2_behavior`` check, ``v1_parity_script.py``, runs in a subprocess).
"""
from __future__ import annotations

import inspect
import itertools
import os

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.ops import resource_variable_ops

from tfgraph_dnn import layers as L
from tfgraph_dnn.layers import regularizers

from _support import global_variable as var
from _support import run_initialized as run
from _background import tf1_mode_script

v1 = tf.compat.v1
GK = v1.GraphKeys
rng = np.random.default_rng(7)


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def graph_seed():
    """This module's graph-level seed (its expected statistics were drawn with it)."""
    return 42


def names(collection=GK.GLOBAL_VARIABLES):
    return [v.op.name for v in v1.get_collection(collection)]


def randn(*shape):
    return rng.normal(size=shape).astype(np.float32)


def cl_to_cf(a):
    """channels_last -> channels_first."""
    return np.moveaxis(a, -1, 1)


def _same_pads(n, span, stride):
    total = max((-(-n // stride) - 1) * stride + span - n, 0)
    return total // 2, total - total // 2


def np_conv(x, w, strides, padding, dilation=None):
    """Cross-correlation of x (N, *S, C) with w (*K, C, F), TF padding rules."""
    rank = x.ndim - 2
    dilation = dilation or (1,) * rank
    k = w.shape[:rank]
    spans = [kk + (kk - 1) * (d - 1) for kk, d in zip(k, dilation)]
    pads = ([_same_pads(n, sp, s) for n, sp, s in zip(x.shape[1:-1], spans, strides)]
            if padding == "same" else [(0, 0)] * rank)
    xp = np.pad(x.astype(np.float64), [(0, 0)] + pads + [(0, 0)])
    out_sp = [(n - sp) // s + 1 for n, sp, s in zip(xp.shape[1:-1], spans, strides)]
    out = np.zeros((x.shape[0], *out_sp, w.shape[-1]))
    for idx in itertools.product(*map(range, out_sp)):
        for kidx in itertools.product(*map(range, k)):
            pos = tuple(i * s + j * d for i, s, j, d in zip(idx, strides, kidx, dilation))
            out[(slice(None),) + idx] += xp[(slice(None),) + pos] @ w[kidx]
    return out


def np_pool(x, kind, pool, strides, padding):
    """Max / average pooling of x (N, *S, C); padded cells are ignored."""
    rank = x.ndim - 2
    pads = ([_same_pads(n, k, s) for n, k, s in zip(x.shape[1:-1], pool, strides)]
            if padding == "same" else [(0, 0)] * rank)
    xp = np.pad(x.astype(np.float64), [(0, 0)] + pads + [(0, 0)], constant_values=np.nan)
    out_sp = [(n - k) // s + 1 for n, k, s in zip(xp.shape[1:-1], pool, strides)]
    out = np.zeros((x.shape[0], *out_sp, x.shape[-1]))
    reduce = np.nanmax if kind == "max" else np.nanmean
    for idx in itertools.product(*map(range, out_sp)):
        window = xp[(slice(None),) + tuple(slice(i * s, i * s + k)
                                           for i, s, k in zip(idx, strides, pool))]
        out[(slice(None),) + idx] = reduce(window.reshape(x.shape[0], -1, x.shape[-1]), axis=1)
    return out


def np_conv_transpose(x, w, strides, padding):
    """Transposed convolution of x (N, *S, C) with w (*K, F, C): scatter, then crop."""
    rank = x.ndim - 2
    k = w.shape[:rank]
    full = [(n - 1) * s + kk for n, s, kk in zip(x.shape[1:-1], strides, k)]
    out = np.zeros((x.shape[0], *[f + kk for f, kk in zip(full, k)], w.shape[-2]))
    for idx in itertools.product(*map(range, x.shape[1:-1])):
        for kidx in itertools.product(*map(range, k)):
            pos = tuple(i * s + j for i, s, j in zip(idx, strides, kidx))
            out[(slice(None),) + pos] += x[(slice(None),) + idx] @ w[kidx].T
    if padding == "same":
        lengths = [n * s for n, s in zip(x.shape[1:-1], strides)]
        starts = [max(kk - s, 0) // 2 for kk, s in zip(k, strides)]
    else:
        lengths = [n * s + max(kk - s, 0) for n, s, kk in zip(x.shape[1:-1], strides, k)]
        starts = [0] * rank
    return out[(slice(None),) + tuple(slice(b, b + n) for b, n in zip(starts, lengths))]


def np_separable(x, depthwise, pointwise, strides, padding, dilation=None):
    """Depthwise conv (as a block-diagonal full conv) followed by the 1x1 pointwise one."""
    rank = x.ndim - 2
    channels, multiplier = depthwise.shape[-2:]
    full = np.zeros(depthwise.shape[:rank] + (channels, channels * multiplier))
    for c in range(channels):
        full[..., c, c * multiplier:(c + 1) * multiplier] = depthwise[..., c, :]
    mid = np_conv(x, full, strides, padding, dilation)
    return mid @ pointwise.reshape(channels * multiplier, -1)


def test_importing_keeps_eager_mode():
    assert tf.executing_eagerly()


# ----------------------------------------------------------------------- signatures
TF1_SIGNATURES = {
    "dense": "inputs units activation use_bias kernel_initializer bias_initializer "
             "kernel_regularizer bias_regularizer activity_regularizer kernel_constraint "
             "bias_constraint trainable name reuse",
    "dropout": "inputs rate noise_shape seed training name",
    "flatten": "inputs name data_format",
    "conv2d": "inputs filters kernel_size strides padding data_format dilation_rate activation "
              "use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
              "activity_regularizer kernel_constraint bias_constraint trainable name reuse",
    "conv2d_transpose": "inputs filters kernel_size strides padding data_format activation "
                        "use_bias kernel_initializer bias_initializer kernel_regularizer "
                        "bias_regularizer activity_regularizer kernel_constraint "
                        "bias_constraint trainable name reuse",
    "separable_conv2d": "inputs filters kernel_size strides padding data_format dilation_rate "
                        "depth_multiplier activation use_bias depthwise_initializer "
                        "pointwise_initializer bias_initializer depthwise_regularizer "
                        "pointwise_regularizer bias_regularizer activity_regularizer "
                        "depthwise_constraint pointwise_constraint bias_constraint trainable "
                        "name reuse",
    "max_pooling2d": "inputs pool_size strides padding data_format name",
    "batch_normalization": "inputs axis momentum epsilon center scale beta_initializer "
                           "gamma_initializer moving_mean_initializer "
                           "moving_variance_initializer beta_regularizer gamma_regularizer "
                           "beta_constraint gamma_constraint training trainable name reuse "
                           "renorm renorm_clipping renorm_momentum fused virtual_batch_size "
                           "adjustment",
}


@pytest.mark.parametrize("fn", sorted(TF1_SIGNATURES))
def test_function_signatures_match_tf1(fn):
    params = inspect.signature(getattr(L, fn)).parameters
    assert list(params) == TF1_SIGNATURES[fn].split()


@pytest.mark.parametrize("fn, defaults", [
    ("conv1d", {"strides": 1, "padding": "valid", "dilation_rate": 1}),
    ("conv2d", {"strides": (1, 1), "data_format": "channels_last", "dilation_rate": (1, 1)}),
    ("conv3d", {"strides": (1, 1, 1), "dilation_rate": (1, 1, 1), "use_bias": True}),
    ("conv3d_transpose", {"strides": (1, 1, 1), "padding": "valid"}),
    ("separable_conv1d", {"strides": 1, "dilation_rate": 1, "depth_multiplier": 1}),
    ("average_pooling3d", {"padding": "valid", "data_format": "channels_last"}),
    ("dropout", {"rate": 0.5, "training": False, "seed": None}),
    ("batch_normalization", {"momentum": 0.99, "epsilon": 1e-3, "fused": None,
                             "training": False}),
])
def test_function_defaults_match_tf1(fn, defaults):
    params = inspect.signature(getattr(L, fn)).parameters
    assert {k: params[k].default for k in defaults} == defaults
    assert params["name"].default is None


# ----------------------------------------------------------------------- Layer base
class TestLayerBase:
    def test_default_scope_names_are_snake_case_and_unique(self, graph):
        x4 = v1.placeholder(tf.float32, (None, 4, 4, 2))
        L.Conv2D(2, 1)(x4)
        L.conv2d(x4, 2, 1)
        L.Conv2DTranspose(2, 1)(x4)
        L.SeparableConv2D(2, 1)(x4)
        L.BatchNormalization()(x4)
        assert names() == [
            "conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias",
            "conv2d_transpose/kernel", "conv2d_transpose/bias",
            "separable_conv2d/depthwise_kernel", "separable_conv2d/pointwise_kernel",
            "separable_conv2d/bias", "batch_normalization/gamma", "batch_normalization/beta",
            "batch_normalization/moving_mean", "batch_normalization/moving_variance"]

    def test_object_shares_variables_across_calls(self, graph):
        x = v1.placeholder(tf.float32, (None, 3))
        layer = L.Dense(2, activation=tf.nn.relu)
        with pytest.raises(ValueError, match="has not been used yet"):
            layer.scope_name
        out1, out2 = layer(x), layer(2.0 * x)
        assert names() == ["dense/kernel", "dense/bias"]
        assert layer.scope_name == "dense" and layer.name == "dense"
        assert layer.built and layer.variables == [var("dense/kernel"), var("dense/bias")]
        assert out1.op.name == "dense/Relu" and out2.op.name == "dense/Relu_1"
        data = randn(4, 3)
        o1, o2, k, b = run([out1, out2, layer.kernel, layer.bias], {x: data})
        np.testing.assert_allclose(o1, np.maximum(data @ k + b, 0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(o2, np.maximum(2 * data @ k + b, 0), rtol=1e-5, atol=1e-6)

    def test_named_objects_get_unique_scopes_but_functions_collide(self, graph):
        x = v1.placeholder(tf.float32, (None, 3))
        L.Dense(2, name="h")(x)
        L.Dense(2, name="h")(x)
        assert names() == ["h/kernel", "h/bias", "h_1/kernel", "h_1/bias"]
        L.dense(x, 2, name="g")
        with pytest.raises(ValueError, match="g/kernel"):
            L.dense(x, 2, name="g")

    def test_name_scope_is_captured_on_first_call(self, graph):
        x = v1.placeholder(tf.float32, (None, 3))
        layer = L.Dense(2)
        with v1.name_scope("tower"):
            first = layer(x)
        second = layer(x)
        assert first.op.name == "tower/dense/BiasAdd"
        assert second.op.name == "tower/dense/BiasAdd_1"
        assert names() == ["dense/kernel", "dense/bias"]

    def test_non_trainable_layer(self, graph):
        x = v1.placeholder(tf.float32, (None, 5, 2))
        layer = L.Conv1D(3, 2, trainable=False)
        layer(x)
        assert names(GK.TRAINABLE_VARIABLES) == []
        assert layer.trainable_weights == [] and layer.trainable_variables == []
        assert layer.non_trainable_weights == [var("conv1d/kernel"), var("conv1d/bias")]
        assert layer.count_params() == 2 * 2 * 3 + 3

    def test_custom_layer_add_weight_losses(self, graph):
        class ScaleShift(L.Layer):
            def build(self, input_shape):
                self.w = self.add_weight("w", [input_shape[-1]], regularizer=tf.reduce_sum,
                                         initializer=v1.constant_initializer(3.0))
                self.s = self.add_variable("s", [], trainable=False,
                                           initializer=v1.zeros_initializer())
                super().build(input_shape)

            def call(self, inputs):
                return inputs * self.w + self.s

        layer = ScaleShift()
        x = v1.placeholder(tf.float32, (None, 2))
        out = layer(x)
        layer(x)  # reuse: no second loss
        assert layer.name == "scale_shift" and names() == ["scale_shift/w", "scale_shift/s"]
        assert names(GK.TRAINABLE_VARIABLES) == ["scale_shift/w"]
        assert layer.losses == v1.get_collection(GK.REGULARIZATION_LOSSES)
        assert len(layer.losses) == 1
        assert layer.losses[0].op.name.startswith("scale_shift/w/Regularizer")
        o, loss = run([out, layer.losses[0]], {x: np.ones((1, 2), np.float32)})
        assert loss == pytest.approx(6.0) and o.tolist() == [[3.0, 3.0]]

    def test_input_spec_errors_name_the_layer(self, graph):
        conv = L.Conv2D(2, 1, name="c")
        with pytest.raises(ValueError, match="layer c.*expected ndim=4, found ndim=3"):
            conv(v1.placeholder(tf.float32, (None, 4, 2)))
        dense = L.Dense(2)
        dense(v1.placeholder(tf.float32, (None, 3)))
        with pytest.raises(ValueError, match="expected axis -1 .* value 3"):
            dense(v1.placeholder(tf.float32, (None, 4)))
        assert repr(L.InputSpec(ndim=2)) == "InputSpec(ndim=2)"

    def test_use_resource_scope(self, graph):
        x = v1.placeholder(tf.float32, (None, 4, 4, 1))
        with v1.variable_scope("r", use_resource=True):
            L.conv2d(x, 2, 2)
        L.conv2d(x, 2, 2)
        kinds = {v.op.name: resource_variable_ops.is_resource_variable(v)
                 for v in v1.global_variables()}
        assert kinds == {"r/conv2d/kernel": True, "r/conv2d/bias": True,
                         "conv2d/kernel": False, "conv2d/bias": False}


# ---------------------------------------------------------------- dense / dropout / flatten
class TestCoreClasses:
    def test_dense_class_rank3_and_output_shape(self, graph):
        x = v1.placeholder(tf.float32, (None, 5, 4))
        layer = L.Dense(3, bias_initializer=v1.constant_initializer(0.5))
        out = layer(x)
        assert out.shape.as_list() == [None, 5, 3]
        assert layer.compute_output_shape([7, 5, 4]).as_list() == [7, 5, 3]
        data = randn(2, 5, 4)
        o, k = run([out, layer.kernel], {x: data})
        np.testing.assert_allclose(o, data @ k + 0.5, rtol=1e-5, atol=1e-5)

    def test_dropout_class_and_names(self, graph):
        x = v1.placeholder(tf.float32, (None, 200))
        training = v1.placeholder_with_default(False, ())
        layer = L.Dropout(0.5, noise_shape=[None, 1])
        out = layer(x, training=training)
        other = L.dropout(x, 0.5, training=True)
        assert out.op.name.startswith("dropout/") and other.op.name.startswith("dropout_1/")
        data = np.ones((50, 200), np.float32)
        o = run(out, {x: data, training: True})
        assert set(np.unique(o)) == {0.0, 2.0}
        assert np.all(o == o[:, :1])  # noise_shape [None, 1]: one mask value per row
        assert 0 < np.mean(o[:, 0] == 0) < 1
        np.testing.assert_array_equal(run(out, {x: data}), data)

    @pytest.mark.parametrize("shape, expected", [
        ((None, 2, 3, 4), [None, 24]), ((None, None, 3), [None, None]), ((5,), [5, 1])])
    def test_flatten_shapes(self, graph, shape, expected):
        assert L.flatten(v1.placeholder(tf.float32, shape)).shape.as_list() == expected

    def test_flatten_channels_first_order_and_names(self, graph):
        x = v1.placeholder(tf.float32, (None, 2, 3, 4))
        last, first = L.flatten(x), L.flatten(x, data_format="channels_first")
        assert (last.op.name, first.op.name) == ("flatten/Reshape", "flatten_1/Reshape")
        data = randn(2, 2, 3, 4)
        a, b = run([last, first], {x: data})
        np.testing.assert_array_equal(a, data.reshape(2, -1))
        np.testing.assert_array_equal(b, np.moveaxis(data, 1, -1).reshape(2, -1))


# ------------------------------------------------------------------------ convolution
CONV_FNS = {1: L.conv1d, 2: L.conv2d, 3: L.conv3d}


class TestConvolution:
    @pytest.mark.parametrize("rank", [1, 2, 3])
    def test_variables_collections_and_regularizers(self, graph, rank):
        x = v1.placeholder(tf.float32, (None,) + (5,) * rank + (2,))
        fn = CONV_FNS[rank]
        fn(x, 4, 3, kernel_regularizer=regularizers.l2_regularizer(0.1),
           bias_regularizer=regularizers.l1_regularizer(0.1))
        fn(x, 4, 3)
        scope = f"conv{rank}d"
        assert names() == [f"{scope}/kernel", f"{scope}/bias", f"{scope}_1/kernel",
                           f"{scope}_1/bias"]
        assert names(GK.TRAINABLE_VARIABLES) == names()
        assert var(f"{scope}/kernel").shape.as_list() == [3] * rank + [2, 4]
        assert var(f"{scope}/bias").shape.as_list() == [4]
        assert len(v1.get_collection(GK.REGULARIZATION_LOSSES)) == 2
        assert v1.get_collection(GK.UPDATE_OPS) == []

    @pytest.mark.parametrize("kwargs, expected", [
        (dict(padding="valid"), [None, 5, 4, 3]),
        (dict(padding="SAME"), [None, 7, 6, 3]),
        (dict(padding="same", strides=2), [None, 4, 3, 3]),
        (dict(padding="valid", strides=(2, 3)), [None, 3, 2, 3]),
        (dict(padding="valid", dilation_rate=2), [None, 3, 2, 3]),
        (dict(padding="Same", dilation_rate=(2, 1)), [None, 7, 6, 3]),
        (dict(padding="valid", data_format="channels_first"), [None, 3, 5, 4]),
    ])
    def test_output_shapes(self, graph, kwargs, expected):
        channels_first = kwargs.get("data_format") == "channels_first"
        x = v1.placeholder(tf.float32, (None, 2, 7, 6) if channels_first else (None, 7, 6, 2))
        layer = L.Conv2D(3, 3, **kwargs)
        assert layer(x).shape.as_list() == expected
        assert layer.compute_output_shape(x.shape).as_list() == expected

    @pytest.mark.parametrize("rank, padding, strides, dilation, data_format", [
        (1, "valid", 1, 1, "channels_last"), (1, "same", 2, 1, "channels_first"),
        (1, "causal", 1, 2, "channels_last"), (2, "valid", 1, 1, "channels_last"),
        (2, "same", 2, 1, "channels_last"), (2, "same", 1, 2, "channels_first"),
        (2, "valid", (1, 2), 1, "channels_first"), (3, "same", 2, 1, "channels_last"),
        (3, "valid", 1, 2, "channels_first"),
    ])
    def test_outputs_match_numpy(self, graph, rank, padding, strides, dilation, data_format):
        size = {1: 9, 2: 6, 3: 5}[rank]
        data = randn(2, *(size,) * rank, 3)
        kernel, bias = randn(*(3,) * rank, 3, 2), randn(2)
        first = data_format == "channels_first"
        x = tf.constant(cl_to_cf(data) if first else data)
        out = CONV_FNS[rank](x, 2, 3, strides=strides, padding=padding, dilation_rate=dilation,
                             data_format=data_format, activation=tf.nn.relu, name="c")
        got = run(out, assign={"c/kernel": kernel, "c/bias": bias})
        strides_t = (strides,) * rank if isinstance(strides, int) else strides
        if padding == "causal":
            data = np.pad(data, [(0, 0), (2 * dilation, 0), (0, 0)])
        expected = np.maximum(np_conv(data, kernel, strides_t, "valid" if padding == "causal"
                                      else padding, (dilation,) * rank) + bias, 0)
        np.testing.assert_allclose(got, cl_to_cf(expected) if first else expected,
                                   rtol=1e-4, atol=1e-4)

    def test_object_reuse_and_function_reuse(self, graph):
        x = v1.placeholder(tf.float32, (None, 4, 4, 1))
        conv = L.Conv2D(2, 2, name="shared")
        a, b = conv(x), conv(x + 1.0)
        c = L.conv2d(x, 2, 2, name="shared", reuse=True)
        assert names() == ["shared/kernel", "shared/bias"]
        data = randn(1, 4, 4, 1)
        ga, gb, gc = run([a, b, c], {x: data})
        np.testing.assert_allclose(ga, gc, rtol=1e-6)
        assert not np.allclose(ga, gb)

    def test_unknown_spatial_dims(self, graph):
        x = v1.placeholder(tf.float32, (None, None, None, 2))
        out = L.conv2d(x, 3, 3, strides=2, padding="same")
        assert out.shape.as_list() == [None, None, None, 3]
        assert run(out, {x: randn(1, 7, 5, 2)}).shape == (1, 4, 3, 3)

    @pytest.mark.parametrize("kwargs, message", [
        (dict(kernel_size=(3, 3, 3)), "kernel_size"), (dict(kernel_size=0), "kernel_size"),
        (dict(kernel_size=3, padding="full"), "padding"),
        (dict(kernel_size=3, padding="causal"), "padding"),
        (dict(kernel_size=3, data_format="NHWC"), "data_format"),
        (dict(kernel_size=3, strides=(1, "2")), "strides"),
        (dict(kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
        (dict(kernel_size=3, filters=0), "filters"),
    ])
    def test_bad_arguments_raise(self, graph, kwargs, message):
        x = v1.placeholder(tf.float32, (None, 5, 5, 2))
        kwargs = {"filters": 2, **kwargs}
        with pytest.raises(ValueError, match=message):
            L.conv2d(x, **kwargs)
        assert v1.global_variables() == []

    def test_unknown_channels_raise(self, graph):
        with pytest.raises(ValueError, match="channel dimension"):
            L.conv2d(v1.placeholder(tf.float32, (None, 5, 5, None)), 2, 3)


# ------------------------------------------------------------- transposed convolution
class TestConvTranspose:
    def test_variables(self, graph):
        L.conv2d_transpose(v1.placeholder(tf.float32, (None, 4, 4, 3)), 5, (2, 3))
        L.conv3d_transpose(v1.placeholder(tf.float32, (None, 2, 2, 2, 3)), 5, 2)
        assert names() == ["conv2d_transpose/kernel", "conv2d_transpose/bias",
                           "conv3d_transpose/kernel", "conv3d_transpose/bias"]
        assert var("conv2d_transpose/kernel").shape.as_list() == [2, 3, 5, 3]
        assert var("conv3d_transpose/kernel").shape.as_list() == [2, 2, 2, 5, 3]

    @pytest.mark.parametrize("kernel, strides, padding, expected", [
        (3, 1, "valid", [None, 7, 8, 2]), (3, 2, "valid", [None, 11, 13, 2]),
        (2, 3, "valid", [None, 15, 18, 2]), (3, 2, "SAME", [None, 10, 12, 2]),
        ((1, 4), (2, 1), "same", [None, 10, 6, 2]),
    ])
    def test_output_shapes(self, graph, kernel, strides, padding, expected):
        x = v1.placeholder(tf.float32, (None, 5, 6, 3))
        layer = L.Conv2DTranspose(2, kernel, strides, padding)
        assert layer(x).shape.as_list() == expected
        assert layer.compute_output_shape(x.shape).as_list() == expected

    @pytest.mark.parametrize("rank, kernel, strides, padding, data_format", [
        (2, 3, 2, "valid", "channels_last"), (2, 3, 2, "same", "channels_first"),
        (2, 2, 3, "valid", "channels_last"), (2, 4, 2, "same", "channels_last"),
        (3, 2, 2, "same", "channels_last"), (3, 3, 1, "valid", "channels_first"),
    ])
    def test_outputs_match_numpy(self, graph, rank, kernel, strides, padding, data_format):
        data = randn(2, *(3,) * rank, 3)
        weights, bias = randn(*(kernel,) * rank, 2, 3), randn(2)
        first = data_format == "channels_first"
        fn = L.conv2d_transpose if rank == 2 else L.conv3d_transpose
        out = fn(tf.constant(cl_to_cf(data) if first else data), 2, kernel, strides, padding,
                 data_format, name="t")
        got = run(out, assign={"t/kernel": weights, "t/bias": bias})
        expected = np_conv_transpose(data, weights, (strides,) * rank, padding) + bias
        np.testing.assert_allclose(got, cl_to_cf(expected) if first else expected,
                                   rtol=1e-4, atol=1e-4)

    def test_unknown_spatial_dims(self, graph):
        x = v1.placeholder(tf.float32, (None, None, 4, 1))
        out = L.conv2d_transpose(x, 2, 3, strides=2)
        assert out.shape.as_list() == [None, None, 9, 2]
        assert run(out, {x: randn(1, 3, 4, 1)}).shape == (1, 7, 9, 2)


# ------------------------------------------------------------- separable convolution
class TestSeparableConvolution:
    def test_variables(self, graph):
        L.separable_conv2d(v1.placeholder(tf.float32, (None, 5, 5, 3)), 4, 3, depth_multiplier=2,
                           pointwise_regularizer=regularizers.l2_regularizer(0.1))
        L.separable_conv1d(v1.placeholder(tf.float32, (None, 5, 3)), 4, 2)
        assert names() == ["separable_conv2d/depthwise_kernel",
                           "separable_conv2d/pointwise_kernel", "separable_conv2d/bias",
                           "separable_conv1d/depthwise_kernel",
                           "separable_conv1d/pointwise_kernel", "separable_conv1d/bias"]
        assert var("separable_conv2d/depthwise_kernel").shape.as_list() == [3, 3, 3, 2]
        assert var("separable_conv2d/pointwise_kernel").shape.as_list() == [1, 1, 6, 4]
        assert var("separable_conv1d/depthwise_kernel").shape.as_list() == [2, 3, 1]
        assert var("separable_conv1d/pointwise_kernel").shape.as_list() == [1, 3, 4]
        assert len(v1.get_collection(GK.REGULARIZATION_LOSSES)) == 1

    @pytest.mark.parametrize("rank, padding, strides, dilation, multiplier, data_format", [
        (2, "valid", 1, 1, 1, "channels_last"), (2, "same", 2, 1, 2, "channels_last"),
        (2, "same", 1, 2, 2, "channels_first"), (1, "valid", 2, 1, 2, "channels_last"),
        (1, "same", 1, 2, 1, "channels_first"),
    ])
    def test_outputs_match_numpy(self, graph, rank, padding, strides, dilation, multiplier,
                                 data_format):
        data = randn(2, *(7,) * rank, 3)
        depthwise = randn(*(3,) * rank, 3, multiplier)
        pointwise = randn(*(1,) * rank, 3 * multiplier, 4)
        bias = randn(4)
        first = data_format == "channels_first"
        fn = L.separable_conv2d if rank == 2 else L.separable_conv1d
        out = fn(tf.constant(cl_to_cf(data) if first else data), 4, 3, strides, padding,
                 data_format, dilation, multiplier, name="s")
        got = run(out, assign={"s/depthwise_kernel": depthwise, "s/pointwise_kernel": pointwise,
                               "s/bias": bias})
        expected = np_separable(data, depthwise, pointwise, (strides,) * rank, padding,
                                (dilation,) * rank) + bias
        np.testing.assert_allclose(got, cl_to_cf(expected) if first else expected,
                                   rtol=1e-4, atol=1e-4)


# --------------------------------------------------------------------------- pooling
POOL_FNS = {("max", 1): L.max_pooling1d, ("max", 2): L.max_pooling2d,
            ("max", 3): L.max_pooling3d, ("avg", 1): L.average_pooling1d,
            ("avg", 2): L.average_pooling2d, ("avg", 3): L.average_pooling3d}


class TestPooling:
    @pytest.mark.parametrize("kind, rank, pool, strides, padding, data_format", [
        ("max", 1, 2, 2, "valid", "channels_last"), ("avg", 1, 3, 2, "same", "channels_first"),
        ("max", 2, 2, 2, "valid", "channels_last"), ("max", 2, 3, 2, "SAME", "channels_first"),
        ("avg", 2, (2, 3), (1, 2), "same", "channels_last"),
        ("avg", 2, 2, 1, "valid", "channels_first"),
        ("max", 3, 2, 1, "same", "channels_last"), ("avg", 3, 2, 2, "same", "channels_first"),
    ])
    def test_outputs_match_numpy(self, graph, kind, rank, pool, strides, padding, data_format):
        data = randn(2, *(5,) * rank, 3)
        first = data_format == "channels_first"
        x = v1.placeholder(tf.float32, (None,) + (cl_to_cf(data) if first else data).shape[1:])
        layer_out = POOL_FNS[(kind, rank)](x, pool, strides, padding, data_format)
        assert v1.global_variables() == []
        got = run(layer_out, {x: cl_to_cf(data) if first else data})
        tup = (lambda v: (v,) * rank if isinstance(v, int) else v)
        expected = np_pool(data, kind, tup(pool), tup(strides), padding.lower())
        np.testing.assert_allclose(got, cl_to_cf(expected) if first else expected,
                                   rtol=1e-5, atol=1e-6)
        assert layer_out.shape.as_list()[1:] == list(got.shape[1:])

    def test_names_and_classes(self, graph):
        x = v1.placeholder(tf.float32, (None, 4, 4, 1))
        a = L.max_pooling2d(x, 2, 2)
        b = L.MaxPooling2D(2, 2)(x)
        c = L.AveragePooling2D((2, 1), 1, name="avg")(x)
        assert [t.op.name.split("/")[0] for t in (a, b, c)] == [
            "max_pooling2d", "max_pooling2d_1", "avg"]
        assert c.shape.as_list() == [None, 3, 4, 1]

    @pytest.mark.parametrize("kwargs, message", [
        (dict(pool_size=2, strides=None), "strides"), (dict(pool_size=(2, 2, 2), strides=1),
                                                       "pool_size"),
        (dict(pool_size=2, strides=1, padding="full"), "padding"),
    ])
    def test_bad_arguments_raise(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            L.MaxPooling2D(**kwargs)


# ------------------------------------------------------------------------ batch norm
def bn_graph(shape, **kwargs):
    x = v1.placeholder(tf.float32, (None,) + shape[1:])
    out = L.batch_normalization(x, momentum=0.5, **kwargs)
    return x, out


class TestBatchNormTF1:
    @pytest.mark.parametrize("shape, kwargs, unbiased", [
        ((4, 3, 5, 2), {}, True),                              # fused NHWC
        ((4, 2, 3, 5), {"axis": 1}, True),                     # fused NCHW
        ((4, 3, 5, 2), {"axis": -1, "fused": True}, True),
        ((4, 3, 5, 2), {"fused": False}, False),               # plain on 4-D
        ((24, 2), {"fused": True}, False),                     # 2-D: silently plain
        ((4, 3, 2, 5), {"axis": 2}, False),                    # axis 2: plain
    ])
    def test_moving_variance_statistics(self, graph, shape, kwargs, unbiased):
        x, out = bn_graph(shape, training=True, **kwargs)
        axis = kwargs.get("axis", -1) % len(shape)
        data = rng.normal(2.0, 3.0, size=shape).astype(np.float32)
        fused_ops = [op for op in graph.get_operations() if op.type.startswith("FusedBatchNorm")]
        assert bool(fused_ops) == unbiased
        updates = v1.get_collection(GK.UPDATE_OPS)
        assert [u.op.name for u in updates] == ["batch_normalization/AssignMovingAvg",
                                             "batch_normalization/AssignMovingAvg_1"]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got, _ = sess.run([out, updates], {x: data})
            mm, mv = sess.run([var("batch_normalization/moving_mean"),
                               var("batch_normalization/moving_variance")])
        reduce = tuple(i for i in range(len(shape)) if i != axis)
        n = data.size // shape[axis]
        biased = data.var(axis=reduce, dtype=np.float64)
        batch_var = biased * n / (n - 1) if unbiased else biased
        np.testing.assert_allclose(mm, 0.5 * data.mean(axis=reduce), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(mv, 0.5 + 0.5 * batch_var, rtol=1e-4, atol=1e-4)
        bshape = [1] * len(shape)
        bshape[axis] = shape[axis]
        expected = ((data - data.mean(axis=reduce).reshape(bshape))
                    / np.sqrt(biased.reshape(bshape) + 1e-3))  # output: biased variance
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-3)

    @pytest.mark.parametrize("fused", [None, False])
    def test_tensor_training_flag(self, graph, fused):
        training = v1.placeholder_with_default(False, ())
        x, out = bn_graph((4, 2, 2, 3), training=training, fused=fused,
                          moving_mean_initializer=v1.constant_initializer(1.0),
                          moving_variance_initializer=v1.constant_initializer(4.0))
        updates = v1.get_collection(GK.UPDATE_OPS)
        assert len(updates) == 2
        data = randn(4, 2, 2, 3)
        stats = [var("batch_normalization/moving_mean"), var("batch_normalization/moving_variance")]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            o, _ = sess.run([out, updates], {x: data})  # inference: no change
            np.testing.assert_allclose(o, (data - 1.0) / np.sqrt(4.0 + 1e-3), rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(sess.run(stats), [np.ones(3), 4 * np.ones(3)])
            sess.run(updates, {x: data, training: True})
            assert not np.allclose(sess.run(stats[0]), 1.0)

    def test_fused_clamps_epsilon_like_tf1(self, graph):
        x = v1.placeholder(tf.float32, (None, 1, 1, 2))
        kwargs = dict(training=False, epsilon=1e-8,
                      moving_variance_initializer=v1.zeros_initializer())
        fused, plain = (L.batch_normalization(x, fused=f, **kwargs) for f in (None, False))
        data = np.full((1, 1, 1, 2), 0.01, np.float32)
        got_fused, got_plain = run([fused, plain], {x: data})
        np.testing.assert_allclose(got_fused, 0.01 / np.sqrt(1.001e-5), rtol=1e-4)
        np.testing.assert_allclose(got_plain, 0.01 / np.sqrt(1e-8), rtol=1e-4)

    def test_no_center_no_scale_fused(self, graph):
        x, out = bn_graph((6, 2, 2, 3), training=True, center=False, scale=False)
        assert names() == ["batch_normalization/moving_mean",
                           "batch_normalization/moving_variance"]
        data = randn(6, 2, 2, 3)
        got = run(out, {x: data})
        np.testing.assert_allclose(got.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)

    def test_non_trainable_adds_no_updates_like_tf1(self, graph):
        x = v1.placeholder(tf.float32, (None, 3))
        layer = L.BatchNormalization(trainable=False)
        layer(x, training=True)
        assert v1.get_collection(GK.UPDATE_OPS) == [] and layer.updates == []
        assert names(GK.TRAINABLE_VARIABLES) == [] and len(names()) == 4

    def test_class_object_shares_variables(self, graph):
        x = v1.placeholder(tf.float32, (None, 4, 4, 2))
        layer = L.BatchNormalization(axis=3)
        layer(x, training=True)
        layer(x * 2.0, training=True)
        assert len(names()) == 4 and len(layer.weights) == 4
        assert [w.op.name for w in layer.trainable_weights] == [
            "batch_normalization/gamma", "batch_normalization/beta"]
        assert [u.op.name for u in v1.get_collection(GK.UPDATE_OPS)] == [
            "batch_normalization/AssignMovingAvg", "batch_normalization/AssignMovingAvg_1",
            "batch_normalization/AssignMovingAvg_2", "batch_normalization/AssignMovingAvg_3"]

    def test_multi_axis_keeps_full_rank_params(self, graph):
        x = v1.placeholder(tf.float32, (None, 3, 4, 2))
        out = L.batch_normalization(x, axis=[1, 3], training=True)
        assert var("batch_normalization/gamma").shape.as_list() == [1, 3, 1, 2]
        data = randn(5, 3, 4, 2)
        got = run(out, {x: data})
        mean, variance = data.mean(axis=(0, 2), keepdims=True), data.var(axis=(0, 2),
                                                                        keepdims=True)
        np.testing.assert_allclose(got, (data - mean) / np.sqrt(variance + 1e-3),
                                   rtol=1e-3, atol=1e-3)


# ------------------------------------------------------------ TF1 (v1) behaviour mode
# Run in the TF1-mode process several folders share (``_support.tf1_mode_script``).
V1_PROCESS = tf1_mode_script(os.path.join(os.path.dirname(__file__), "v1_parity_script.py"),
                             order=4, module=__file__, fixture="v1_report")


@pytest.fixture(scope="module")
def v1_report():
    return V1_PROCESS.json_output("v1_parity_script")


@pytest.mark.slow
def test_works_after_disable_v2_behavior(v1_report):
    report = v1_report
    assert all(np.isfinite(report["losses"])) and report["losses"][1] < report["losses"][0]
    assert report["moved"] and report["ref"] and report["updates"] == 4
    assert report["shape"] == [None, 8]
    assert report["names"] == [
        "conv2d/kernel", "conv2d/bias", "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean", "batch_normalization/moving_variance",
        "conv2d_transpose/kernel", "conv2d_transpose/bias", "separable_conv2d/depthwise_kernel",
        "separable_conv2d/pointwise_kernel", "separable_conv2d/bias", "dense/kernel",
        "dense/bias", "batch_normalization_1/gamma", "batch_normalization_1/beta",
        "batch_normalization_1/moving_mean", "batch_normalization_1/moving_variance",
        "dense_1/kernel", "dense_1/bias"]
