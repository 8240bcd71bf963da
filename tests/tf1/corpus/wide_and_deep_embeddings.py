"""Wide & deep: tf.nn.embedding_lookup on tf.get_variable tables + tf.layers.dense tower, FTRL/Adagrad per part, tf.metrics.auc."""
import numpy as np
import tensorflow as tf

N_USERS, N_ITEMS, N_NUMERIC = 12, 20, 3
EMB_DIM = 6


def make_data(n, rng):
    users = rng.randint(0, N_USERS, n)
    items = rng.randint(0, N_ITEMS, n)
    numeric = rng.randn(n, N_NUMERIC).astype(np.float32)
    # a memorisable interaction (wide) plus a smooth numeric effect (deep)
    affinity = np.sin(users * 1.7 + items * 0.9)
    score = 2.0 * affinity + numeric[:, 0] - 0.5 * numeric[:, 1] ** 2
    labels = (score + 0.3 * rng.randn(n) > 0).astype(np.float32)
    return users, items, numeric, labels


def wide_and_deep(user_ids, item_ids, numeric):
    with tf.variable_scope("wide"):
        cross_ids = user_ids * N_ITEMS + item_ids
        cross_weights = tf.get_variable("cross_weights", [N_USERS * N_ITEMS, 1],
                                        initializer=tf.zeros_initializer())
        wide_bias = tf.get_variable("bias", [1], initializer=tf.zeros_initializer())
        wide_logit = tf.reshape(tf.nn.embedding_lookup(cross_weights, cross_ids), [-1]) + wide_bias
    with tf.variable_scope("deep"):
        user_table = tf.get_variable("user_embeddings", [N_USERS, EMB_DIM],
                                     initializer=tf.random_uniform_initializer(-0.05, 0.05))
        item_table = tf.get_variable("item_embeddings", [N_ITEMS, EMB_DIM],
                                     initializer=tf.truncated_normal_initializer(stddev=0.05))
        user_emb = tf.nn.embedding_lookup(user_table, user_ids)
        item_emb = tf.nn.embedding_lookup(item_table, item_ids)
        deep_input = tf.concat([user_emb, item_emb, numeric], axis=1)
        h = tf.layers.dense(deep_input, 32, activation=tf.nn.relu, name="hidden1")
        h = tf.layers.dense(h, 16, activation=tf.nn.relu, name="hidden2")
        deep_logit = tf.squeeze(tf.layers.dense(h, 1, name="logit"), axis=[1])
    return wide_logit + deep_logit, deep_input


def main():
    rng = np.random.RandomState(42)
    tf.set_random_seed(42)
    train = make_data(3000, rng)
    test = make_data(1000, rng)

    user_ids = tf.placeholder(tf.int32, [None], name="user_id")
    item_ids = tf.placeholder(tf.int32, [None], name="item_id")
    numeric = tf.placeholder(tf.float32, [None, N_NUMERIC], name="numeric")
    labels = tf.placeholder(tf.float32, [None], name="label")

    logits, deep_input = wide_and_deep(user_ids, item_ids, numeric)
    assert deep_input.get_shape().as_list() == [None, 2 * EMB_DIM + N_NUMERIC]
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))

    wide_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="wide")
    deep_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="deep")
    assert len(wide_vars) == 2 and len(deep_vars) == 8, (wide_vars, deep_vars)
    wide_opt = tf.train.FtrlOptimizer(0.5, l1_regularization_strength=0.001)
    deep_opt = tf.train.AdagradOptimizer(0.1)
    train_op = tf.group(wide_opt.minimize(loss, var_list=wide_vars),
                        deep_opt.minimize(loss, var_list=deep_vars))

    probabilities = tf.sigmoid(logits)
    auc, auc_update = tf.metrics.auc(labels, probabilities)
    accuracy, acc_update = tf.metrics.accuracy(labels, tf.round(probabilities))

    def feed(data, idx=slice(None)):
        u, i, x, y = data
        return {user_ids: u[idx], item_ids: i[idx], numeric: x[idx], labels: y[idx]}

    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        loss_start = sess.run(loss, feed(train))
        for epoch in range(6):
            order = rng.permutation(3000)
            for b in range(0, 3000, 100):
                sess.run(train_op, feed(train, order[b:b + 100]))
        loss_end = sess.run(loss, feed(train))
        for b in range(0, 1000, 250):
            sess.run([auc_update, acc_update], feed(test, slice(b, b + 250)))
        auc_value, acc_value = sess.run([auc, accuracy])
        n_local = len(tf.local_variables())

    assert n_local >= 4, n_local  # the streaming metrics keep their state in local variables
    assert loss_end < loss_start, (loss_start, loss_end)
    assert auc_value > 0.75, auc_value
    assert acc_value > 0.65, acc_value
    print("wide_and_deep_embeddings OK: test AUC %.3f accuracy %.3f" % (auc_value, acc_value))


if __name__ == "__main__":
    main()
