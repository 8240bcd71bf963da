"""Text CNN: contrib embed_sequence + tf.layers.conv1d with several widths, max-over-time and max_pooling1d, on synthetic token sequences."""
import numpy as np
import tensorflow as tf

VOCAB = 30
SEQ_LEN = 12
EMBED_DIM = 8
TRIGGER = (3, 7)  # the bigram that makes a sequence positive


def make_data(n, rng):
    seqs = rng.randint(10, VOCAB, size=(n, SEQ_LEN))
    labels = rng.rand(n) < 0.5
    for i in np.where(labels)[0]:
        pos = rng.randint(0, SEQ_LEN - 1)
        seqs[i, pos:pos + 2] = TRIGGER
    return seqs.astype(np.int32), labels.astype(np.int64)


def text_cnn(token_ids, is_training):
    embedded = tf.contrib.layers.embed_sequence(token_ids, vocab_size=VOCAB,
                                                embed_dim=EMBED_DIM, scope="words")
    pooled = []
    for width in (2, 3, 4):
        conv = tf.layers.conv1d(embedded, filters=8, kernel_size=width, activation=tf.nn.relu,
                                name="conv_w%d" % width)
        pooled.append(tf.reduce_max(conv, axis=1))  # max over time
    conv_all = tf.layers.conv1d(embedded, 8, 3, padding="same", activation=tf.nn.relu,
                                name="conv_same")
    halved = tf.layers.max_pooling1d(conv_all, pool_size=2, strides=2)
    features = tf.concat(pooled + [tf.layers.flatten(halved)], axis=1)
    features = tf.layers.dropout(features, rate=0.2, training=is_training)
    return tf.layers.dense(features, 2, name="logits"), embedded, conv_all, halved


rng = np.random.RandomState(0)
X_train, y_train = make_data(600, rng)
X_test, y_test = make_data(200, rng)

tf.set_random_seed(0)
tokens = tf.placeholder(tf.int32, [None, SEQ_LEN], name="tokens")
labels = tf.placeholder(tf.int64, [None], name="labels")
is_training = tf.placeholder_with_default(False, [], name="is_training")
logits, embedded, conv_all, halved = text_cnn(tokens, is_training)

assert embedded.get_shape().as_list() == [None, SEQ_LEN, EMBED_DIM]
assert conv_all.get_shape().as_list() == [None, SEQ_LEN, 8]
assert halved.get_shape().as_list() == [None, SEQ_LEN // 2, 8]
embeddings = [v for v in tf.trainable_variables() if v.op.name == "words/embeddings"]
assert len(embeddings) == 1 and embeddings[0].get_shape().as_list() == [VOCAB, EMBED_DIM]
kernel = tf.get_default_graph().get_tensor_by_name("conv_w4/kernel:0")
assert kernel.get_shape().as_list() == [4, EMBED_DIM, 8]

loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(10):
        for b in range(0, 600, 60):
            sess.run(train_op, {tokens: X_train[b:b + 60], labels: y_train[b:b + 60],
                                is_training: True})
    acc = sess.run(accuracy, {tokens: X_test, labels: y_test})

assert acc > 0.85, acc
print("text_cnn_embed_sequence_conv1d OK: test accuracy %.3f" % acc)
