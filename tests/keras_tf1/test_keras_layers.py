"""tfgraph_dnn.keras_tf1 layers in a TF1 graph: names, shapes, collections, outputs vs formulas."""
import numpy as np
import pytest
import tensorflow as tf

import tfgraph_dnn.keras_tf1 as keras
from tfgraph_dnn.keras_tf1 import backend as K

v1 = tf.compat.v1
GLOBAL, TRAINABLE = v1.GraphKeys.GLOBAL_VARIABLES, v1.GraphKeys.TRAINABLE_VARIABLES


def names(key=GLOBAL):
    return [v.name for v in v1.get_collection(key)]


def run(tensors, feed=None):
    return K.get_session().run(tensors, feed)


def test_import_leaves_eager_mode_on():
    assert tf.executing_eagerly()


def test_dense_names_collections_and_formula(graph):
    x = v1.placeholder(tf.float32, [None, 4])
    first = keras.layers.Dense(3, activation="relu")
    y = first(x)
    keras.layers.Dense(2)(y)
    assert names() == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert names(TRAINABLE) == names()
    assert first.kernel.shape.as_list() == [4, 3] and first.bias.shape.as_list() == [3]
    assert "ResourceVariable" in type(first.kernel).__name__  # tf.keras 1.15 used resource vars
    assert y.shape.as_list() == [None, 3]
    data = np.random.RandomState(0).randn(5, 4).astype("float32")
    out, kernel, bias = run([y, first.kernel, first.bias], {x: data})
    np.testing.assert_allclose(out, np.maximum(data @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    assert not np.all(kernel == 0) and np.all(bias == 0)  # glorot_uniform / zeros defaults


def test_explicit_names_are_made_unique_by_name_scope(graph):
    x = v1.placeholder(tf.float32, [None, 4])
    keras.layers.Dense(2, name="fc")(x)
    keras.layers.Dense(2, name="fc")(x)  # tf.layers would raise "already exists"
    with v1.variable_scope("tower"):
        keras.layers.Dense(2)(x)
    assert names() == ["fc/kernel:0", "fc/bias:0", "fc_1/kernel:0", "fc_1/bias:0",
                       "tower/dense/kernel:0", "tower/dense/bias:0"]


def test_new_graph_restarts_names():
    for _ in range(2):
        with tf.Graph().as_default():
            layer = keras.layers.Dense(1)
            layer(v1.placeholder(tf.float32, [None, 2]))
            assert layer.name == "dense" and names()[0] == "dense/kernel:0"


def test_weight_regularizer_stays_on_the_layer(graph):
    x = v1.placeholder(tf.float32, [None, 3])
    layer = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.1),
                               bias_regularizer="l1")
    layer(x)
    assert v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES) == []
    assert len(layer.losses) == 2
    losses, kernel = run([layer.losses, layer.kernel])
    assert losses[0] == pytest.approx(0.1 * np.sum(kernel ** 2), rel=1e-5)  # no 1/2
    assert losses[1] == 0.0


def test_dropout_follows_the_learning_phase(graph):
    x = v1.placeholder(tf.float32, [None, 1000])
    y = keras.layers.Dropout(0.5)(x)
    ones = np.ones((2, 1000), "float32")
    np.testing.assert_array_equal(run(y, {x: ones}), ones)
    dropped = run(y, {x: ones, K.learning_phase(): True})
    assert set(np.unique(dropped)) == {0.0, 2.0}
    assert 0.4 < np.mean(dropped == 0) < 0.6
    assert K.learning_phase().name == "keras_learning_phase:0"


def test_batch_normalization_variables_updates_and_formula(graph):
    x = v1.placeholder(tf.float32, [None, 3])
    bn = keras.layers.BatchNormalization(momentum=0.9)
    y = bn(x)
    assert names() == ["batch_normalization/gamma:0", "batch_normalization/beta:0",
                       "batch_normalization/moving_mean:0",
                       "batch_normalization/moving_variance:0"]
    assert names(TRAINABLE) == names()[:2]
    assert v1.get_collection(v1.GraphKeys.UPDATE_OPS) == []  # tf.keras 1.15 kept them apart
    assert len(bn.updates) == 2
    data = np.random.RandomState(1).randn(8, 3).astype("float32") * 2 + 5
    inference = run(y, {x: data})
    np.testing.assert_allclose(inference, data / np.sqrt(1 + 1e-3), rtol=1e-5)
    training = run(y, {x: data, K.learning_phase(): True})
    expected = (data - data.mean(0)) / np.sqrt(data.var(0) + 1e-3)
    np.testing.assert_allclose(training, expected, rtol=1e-4, atol=1e-4)
    run(bn.updates, {x: data, K.learning_phase(): True})
    np.testing.assert_allclose(run(bn.moving_mean), 0.1 * data.mean(0), rtol=1e-5)


def test_conv2d_and_pooling_formulas(graph):
    x = v1.placeholder(tf.float32, [None, 4, 4, 1])
    conv = keras.layers.Conv2D(2, 3, padding="same", use_bias=False)
    y = conv(x)
    pooled = keras.layers.MaxPooling2D()(y)
    averaged = keras.layers.AveragePooling2D(pool_size=(4, 4))(y)
    assert names() == ["conv2d/kernel:0"] and conv.kernel.shape.as_list() == [3, 3, 1, 2]
    assert pooled.shape.as_list() == [None, 2, 2, 2]
    data = np.random.RandomState(2).randn(1, 4, 4, 1).astype("float32")
    out, mx, avg, kernel = run([y, pooled, averaged, conv.kernel], {x: data})
    padded = np.pad(data[0, :, :, 0], 1)
    expected = np.zeros((4, 4, 2), "float32")
    for i in range(4):
        for j in range(4):
            expected[i, j] = np.tensordot(padded[i:i + 3, j:j + 3], kernel[:, :, 0, :], 2)
    np.testing.assert_allclose(out[0], expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mx[0], expected.reshape(2, 2, 2, 2, 2).max(axis=(1, 3)),
                               rtol=1e-5)
    np.testing.assert_allclose(avg[0, 0, 0], expected.mean(axis=(0, 1)), rtol=1e-4)


def test_conv1d_and_pooling1d_shapes(graph):
    x = v1.placeholder(tf.float32, [None, 10, 3])
    y = keras.layers.Conv1D(4, 3)(x)
    assert y.shape.as_list() == [None, 8, 4]
    assert keras.layers.MaxPooling1D()(y).shape.as_list() == [None, 4, 4]
    assert keras.layers.AveragePooling1D(3, strides=1)(y).shape.as_list() == [None, 6, 4]
    assert keras.layers.GlobalAveragePooling1D()(y).shape.as_list() == [None, 4]


def test_small_layers_formulas(graph):
    x = v1.placeholder(tf.float32, [None, 2, 3])
    flat = keras.layers.Flatten()(x)
    reshaped = keras.layers.Reshape((3, -1))(x)
    leaky = keras.layers.LeakyReLU()(x)
    act = keras.layers.Activation("tanh")(x)
    total = keras.layers.add([x, act])
    joined = keras.layers.concatenate([flat, keras.layers.Flatten()(leaky)])
    assert flat.shape.as_list() == [None, 6] and reshaped.shape.as_list() == [None, 3, 2]
    assert joined.shape.as_list() == [None, 12]
    data = np.random.RandomState(3).randn(2, 2, 3).astype("float32")
    out = run([flat, reshaped, leaky, act, total, joined], {x: data})
    np.testing.assert_allclose(out[0], data.reshape(2, 6))
    np.testing.assert_allclose(out[1], data.reshape(2, 3, 2))
    np.testing.assert_allclose(out[2], np.where(data > 0, data, 0.3 * data), rtol=1e-6)
    np.testing.assert_allclose(out[3], np.tanh(data), rtol=1e-5)
    np.testing.assert_allclose(out[4], data + np.tanh(data), rtol=1e-5)
    np.testing.assert_allclose(out[5][:, 6:], out[2].reshape(2, 6), rtol=1e-6)


def test_embedding_rows(graph):
    ids = v1.placeholder(tf.int32, [None, 2])
    layer = keras.layers.Embedding(5, 3)
    out = layer(ids)
    assert names() == ["embedding/embeddings:0"] and out.shape.as_list() == [None, 2, 3]
    values, table = run([out, layer.embeddings], {ids: [[4, 0]]})
    np.testing.assert_array_equal(values[0], table[[4, 0]])
    assert np.all(np.abs(table) <= 0.05)  # Keras' 'uniform' is RandomUniform(-0.05, 0.05)


def test_input_placeholders_are_numbered(graph):
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(2, 2), name="pixels")
    c = keras.Input(shape=(1,))
    assert [a.name, b.name, c.name] == ["input_1:0", "pixels:0", "input_2:0"]
    assert b.shape.as_list() == [None, 2, 2]


def test_get_and_set_weights(graph):
    layer = keras.layers.Dense(2)
    layer(v1.placeholder(tf.float32, [None, 3]))
    values = [np.arange(6, dtype="float32").reshape(3, 2), np.array([1, -1], "float32")]
    layer.set_weights(values)
    for got, want in zip(layer.get_weights(), values):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights(values[:1])
    with pytest.raises(ValueError, match="shape"):
        layer.set_weights([values[0].T, values[1]])


def test_subclassed_layer_uses_keras_add_weight(graph):
    class Scale(keras.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight("scale", (int(input_shape[-1]),), initializer="ones")

        def call(self, inputs):
            return inputs * self.scale

    out = Scale()(v1.placeholder(tf.float32, [None, 3]))
    assert names() == ["scale/scale:0"]
    np.testing.assert_array_equal(run(out, {out.op.inputs[0]: np.ones((1, 3))}), np.ones((1, 3)))


def test_unknown_arguments_and_missing_layers_are_named(graph):
    with pytest.raises(TypeError, match="kernel_init"):
        keras.layers.Dense(2, kernel_init="zeros")
    with pytest.raises(NotImplementedError, match="LSTM"):
        keras.layers.LSTM(4)
    with pytest.raises(NotImplementedError, match="mask"):
        keras.layers.Embedding(3, 2, mask_zero=True)
    with pytest.raises(ValueError, match="Unknown activation"):
        keras.layers.Dense(2, activation="nope")


def test_to_categorical():
    np.testing.assert_array_equal(keras.utils.to_categorical([2, 0], 3),
                                  [[0, 0, 1], [1, 0, 0]])
    assert keras.utils.to_categorical(np.array([[1], [0]])).shape == (2, 2)
    with pytest.raises(ValueError, match="out of range"):
        keras.utils.to_categorical([3], num_classes=2)


def test_backend_function_variable_and_ops(graph):
    x = v1.placeholder(tf.float32, [None, 2])
    dropped = keras.layers.Dropout(0.5)(x)
    fetch = K.function([x, K.learning_phase()], [K.sum(K.square(dropped)), K.mean(x)])
    ones = np.ones((3, 2), "float32")
    total, mean = fetch([ones, False])
    assert total == 6.0 and mean == 1.0
    assert fetch([ones, True])[0] in {0.0, 4.0, 8.0, 12.0, 16.0, 20.0, 24.0}
    variable = K.variable([1.0, -2.0], name="v")
    np.testing.assert_array_equal(K.get_value(K.abs(variable)), [1.0, 2.0])
    K.set_value(variable, [3.0, 4.0])
    np.testing.assert_array_equal(K.get_value(variable), [3.0, 4.0])
    assert K.int_shape(x) == (None, 2) and K.floatx() == "float32"
    assert sum([1, 2]) == 3  # the builtin, untouched by `K.sum`
