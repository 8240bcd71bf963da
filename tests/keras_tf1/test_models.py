"""Sequential / functional models of tfgraph_dnn.keras_tf1 on TF1 graph tensors, and training."""
import numpy as np
import pytest
import tensorflow as tf

import tfgraph_dnn.keras_tf1 as keras
from tfgraph_dnn.keras_tf1 import backend as K

v1 = tf.compat.v1


def names():
    return [v.name for v in v1.global_variables()]


def blobs(n=120, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, n)
    x = rng.randn(n, 4).astype("float32") + np.eye(3, 4, dtype="float32")[y] * 3
    return x, y


def test_sequential_with_input_shape_is_built_at_once(graph):
    model = keras.Sequential([keras.layers.Dense(5, input_shape=(4,)), keras.layers.Dense(1)])
    assert model.name == "sequential" and model.built
    assert model.inputs[0].name == "dense_input:0"
    assert names() == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert model.output_shape == (None, 1) and model.count_params() == 31


def test_sequential_without_input_shape_builds_in_its_scope(graph):
    x = v1.placeholder(tf.float32, [None, 4])
    model = keras.Sequential()
    model.add(keras.layers.Dense(5))
    model.add(keras.layers.Dense(1))
    y = model(x)
    assert names() == ["sequential/dense/kernel:0", "sequential/dense/bias:0",
                       "sequential/dense_1/kernel:0", "sequential/dense_1/bias:0"]
    assert y.name.startswith("sequential/")


def test_second_call_shares_weights(graph):
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    count = len(names())
    a, b = v1.placeholder(tf.float32, [None, 4]), v1.placeholder(tf.float32, [None, 4])
    out_a, out_b = model(a), model(b)
    assert len(names()) == count == 4
    assert out_a.name.startswith("model/") and out_b.name.startswith("model_1/")
    data = np.random.RandomState(0).randn(3, 4)
    got_a, got_b, direct = K.get_session().run([out_a, out_b, model.output],
                                               {a: data, b: data, inputs: data})
    np.testing.assert_allclose(got_a, got_b)
    np.testing.assert_allclose(got_a, direct, rtol=1e-6)


def test_nested_models_and_multiple_inputs(graph):
    left, right = keras.Input(shape=(2,)), keras.Input(shape=(3,))
    merged = keras.layers.concatenate([left, right])
    inner = keras.Sequential([keras.layers.Dense(4, input_shape=(5,))])
    outer = keras.Model([left, right], keras.layers.Dense(1)(inner(merged)))
    assert [type(l).__name__ for l in outer.layers] == [
        "InputLayer", "InputLayer", "Concatenate", "Sequential", "Dense"]
    assert len(outer.trainable_weights) == 4
    out = outer([v1.placeholder(tf.float32, [None, 2]), v1.placeholder(tf.float32, [None, 3])])
    assert out.shape.as_list() == [None, 1] and len(names()) == 4


def test_disconnected_graph_is_named(graph):
    a, b = keras.Input(shape=(2,)), keras.Input(shape=(2,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, keras.layers.add([a, b]))


def test_summary_lists_layers_and_counts(graph):
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(2,)),
                              keras.layers.BatchNormalization()])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "sequential"' in text and "dense (Dense)" in text
    assert "(None, 3)" in text and "Total params: 21" in text
    assert "Trainable params: 15" in text and "Non-trainable params: 6" in text


def test_fit_with_tf_train_optimizer_history_and_evaluate(graph):
    x, y = blobs()
    model = keras.Sequential([keras.layers.Dense(16, activation="relu", input_shape=(4,)),
                              keras.layers.Dropout(0.2),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=v1.train.AdamOptimizer(0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=16, validation_split=0.25, verbose=0)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert history.epoch == list(range(8)) and model.metrics_names == ["loss", "acc"]
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.8 and loss < losses[0]
    probabilities = model.predict(x[:5])
    assert probabilities.shape == (5, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    assert "TFOptimizer/iterations:0" in names() and "training/beta1_power:0" in names()
    assert K.get_value(model.optimizer.iterations) == 8 * 6  # 90 samples, batches of 16


def test_keras_optimizer_names_and_metric_names(graph):
    x, y = blobs(seed=1)
    targets = keras.utils.to_categorical(y, 3)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc", "mae"])
    before = model.evaluate(x, targets, verbose=0)
    history = model.fit(x, targets, epochs=3, verbose=0, validation_data=(x, targets))
    assert sorted(history.history) == ["acc", "loss", "mean_absolute_error", "val_acc",
                                       "val_loss", "val_mean_absolute_error"]
    assert model.evaluate(x, targets, verbose=0)[0] < before[0]
    with pytest.raises(NotImplementedError, match="Nadam"):
        keras.optimizers.get("nadam")
    assert keras.optimizers.Adam(lr=0.01).learning_rate == 0.01


def test_batch_norm_model_fit_runs_model_updates(graph):
    x, y = blobs(seed=2)
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(4,)),
                              keras.layers.BatchNormalization(),
                              keras.layers.Dense(1, activation="sigmoid")])
    assert len(model.updates) == 2
    model.compile(optimizer=v1.train.GradientDescentOptimizer(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, (y == 0).astype("float32"), epochs=2, verbose=0)
    moving_mean = model.layers[1].moving_mean
    assert np.any(K.get_value(moving_mean) != 0)


def test_custom_session_loop_with_model_as_callable(graph):
    x_data, y_data = blobs(seed=3)
    x = v1.placeholder(tf.float32, [None, 4])
    labels = v1.placeholder(tf.int64, [None])
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3)])
    loss = v1.losses.sparse_softmax_cross_entropy(labels, model(x))
    train = v1.train.AdamOptimizer(0.05).minimize(loss)
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        assert K.get_session() is sess
        first = sess.run(loss, {x: x_data, labels: y_data})
        for _ in range(30):
            sess.run(train, {x: x_data, labels: y_data})
        assert sess.run(loss, {x: x_data, labels: y_data}) < 0.5 * first
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.fit(x_data, y_data, epochs=1, verbose=0)  # in `sess`: weights are kept
        assert sess.run(loss, {x: x_data, labels: y_data}) < 0.5 * first


def test_set_session_and_clear_session():
    with tf.Graph().as_default() as graph:
        session = v1.Session(graph=graph)
        K.set_session(session)
        try:
            assert K.get_session() is session
        finally:
            K.set_session(None)
            session.close()
    # TF 1.15: clear_session resets the (top-level) default graph, so names restart.
    old_graph = v1.get_default_graph()
    K.clear_session()
    assert v1.get_default_graph() is not old_graph
    with pytest.raises(AssertionError, match="nested"):  # as tf.reset_default_graph in TF1
        with tf.Graph().as_default():
            K.clear_session()


def test_not_provided_arguments_are_named(graph):
    x, y = blobs(n=10)
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(NotImplementedError, match="sample_weight"):
        model.fit(x, keras.utils.to_categorical(y, 3), sample_weight=np.ones(10), verbose=0)
    with pytest.raises(NotImplementedError, match="tf.data"):
        model.fit(tf.constant(x), y, verbose=0)
    with pytest.raises(NotImplementedError, match="Subclassed"):
        class Custom(keras.Model):
            def __init__(self):
                super().__init__()
        Custom()


def test_save_and_load_weights(graph, tmp_path):
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    saved = model.get_weights()
    model.save_weights(str(tmp_path / "ckpt"))
    model.set_weights([np.zeros_like(w) for w in saved])
    model.load_weights(str(tmp_path / "ckpt"))
    for got, want in zip(model.get_weights(), saved):
        np.testing.assert_array_equal(got, want)


def test_callbacks_early_stopping_and_lambda(graph):
    x, y = blobs(n=40, seed=4)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(optimizer=v1.train.GradientDescentOptimizer(0.0),  # nothing improves
                  loss="sparse_categorical_crossentropy")
    seen = []
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=2)
    history = model.fit(x, y, epochs=20, verbose=0, shuffle=False, callbacks=[
        stopper, keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))])
    assert seen == [0, 1, 2] and history.epoch == [0, 1, 2] and stopper.stopped_epoch == 2


def test_training_flag_and_fixed_learning_phase(graph):
    x = v1.placeholder(tf.float32, [None, 500])
    model = keras.Sequential([keras.layers.Dropout(0.5)])
    trained, inferred = model(x, training=True), model(x)
    ones = np.ones((2, 500), "float32")
    got_trained, got_inferred = K.get_session().run([trained, inferred], {x: ones})
    assert np.any(got_trained == 0) and np.all(got_inferred == 1)
    K.set_learning_phase(1)
    assert K.learning_phase() == 1
    assert np.any(K.get_session().run(model(x), {x: ones}) == 0)


def test_multi_output_loss_weights_and_names(graph):
    x, y = blobs(n=30, seed=5)
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(3, activation="softmax", name="cls")(hidden),
                                 keras.layers.Dense(1, name="reg")(hidden)])
    model.compile(optimizer="sgd", loss={"cls": "sparse_categorical_crossentropy",
                                         "reg": "mse"},
                  loss_weights={"cls": 1.0, "reg": 0.0}, metrics={"cls": ["accuracy"]})
    assert model.metrics_names == ["loss", "cls_loss", "reg_loss", "cls_acc"]
    loss, cls_loss, reg_loss, _ = model.evaluate(x, [y, x[:, 0]], verbose=0)
    assert loss == pytest.approx(cls_loss) and reg_loss > 0
    with pytest.raises(ValueError, match="Unknown entries"):
        model.compile(optimizer="sgd", loss={"nope": "mse"})


def test_trainable_is_read_at_compile_time_as_in_gans(graph):
    noise = np.random.RandomState(6).randn(16, 2).astype("float32")
    discriminator = keras.Sequential([keras.layers.Dense(1, activation="sigmoid",
                                                         input_shape=(3,))])
    discriminator.compile(optimizer="sgd", loss="binary_crossentropy")
    discriminator.trainable = False
    generator = keras.Sequential([keras.layers.Dense(3, input_shape=(2,))])
    z = keras.Input(shape=(2,))
    combined = keras.Model(z, discriminator(generator(z)))
    combined.compile(optimizer="sgd", loss="binary_crossentropy")
    assert len(combined.trainable_weights) == 2  # the generator's only
    d_before, g_before = discriminator.get_weights(), generator.get_weights()
    combined.train_on_batch(noise, np.ones((16, 1)))
    assert all(np.array_equal(a, b) for a, b in zip(d_before, discriminator.get_weights()))
    assert not np.array_equal(g_before[0], generator.get_weights()[0])
    discriminator.train_on_batch(np.ones((16, 3)), np.zeros((16, 1)))  # compiled trainable
    assert not np.array_equal(d_before[0], discriminator.get_weights()[0])


def test_plain_tensorflow_ops_between_layers(graph):
    x, y = blobs(n=30, seed=7)
    inputs = keras.Input(shape=(4,))
    hidden = tf.nn.relu(keras.layers.Dense(8)(inputs) * 2.0)  # no Keras layer for these ops
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense", "Dense"]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(NotImplementedError, match="Lambda"):
        model(v1.placeholder(tf.float32, [None, 4]))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(inputs, keras.layers.Dense(1)(v1.placeholder(tf.float32, [None, 4])))


def test_keras_sgd_with_momentum_decay_and_clipping(graph):
    x, y = blobs(seed=8)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(4,),
                                                 kernel_initializer="zero")])
    optimizer = keras.optimizers.SGD(lr=0.1, momentum=0.9, decay=1e-3, nesterov=True,
                                     clipnorm=1.0)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=4, batch_size=30, verbose=0)
    assert history.history["loss"][0] > history.history["loss"][-1]
    assert history.history["acc"][-1] > 0.8
    assert K.get_value(optimizer.iterations) == 16
    with pytest.raises(TypeError, match="rho"):
        keras.optimizers.SGD(rho=0.5)
