"""DQN: contrib conv2d/flatten/fully_connected Q-networks, target-network copy ops via tf.assign over zipped variables, huber loss."""
import numpy as np
import tensorflow as tf

N_ACTIONS = 3
FRAME = (10, 10, 2)
GAMMA = 0.9


class QNetwork(object):
    def __init__(self, scope, learning_rate=1e-3):
        self.scope = scope
        with tf.variable_scope(scope):
            self.states = tf.placeholder(tf.float32, (None,) + FRAME, name="states")
            self.targets = tf.placeholder(tf.float32, [None], name="targets")
            self.actions = tf.placeholder(tf.int32, [None], name="actions")

            conv1 = tf.contrib.layers.conv2d(self.states, 8, 3, 2, activation_fn=tf.nn.relu)
            conv2 = tf.contrib.layers.conv2d(conv1, 16, 3, 1, activation_fn=tf.nn.relu)
            flattened = tf.contrib.layers.flatten(conv2)
            fc1 = tf.contrib.layers.fully_connected(flattened, 32)
            self.q_values = tf.contrib.layers.fully_connected(fc1, N_ACTIONS, activation_fn=None)

            action_mask = tf.one_hot(self.actions, N_ACTIONS)
            self.q_action = tf.reduce_sum(self.q_values * action_mask, axis=1)
            self.loss = tf.losses.huber_loss(self.targets, self.q_action)
            self.optimizer = tf.train.RMSPropOptimizer(learning_rate, decay=0.99, epsilon=1e-6)
            self.train_op = self.optimizer.minimize(
                self.loss, var_list=self.variables(),
                global_step=tf.contrib.framework.get_or_create_global_step())

    def variables(self):
        return sorted(tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope=self.scope),
                      key=lambda v: v.name)


def make_copy_ops(source, target):
    ops = []
    for src, dst in zip(source.variables(), target.variables()):
        assert src.name.split("/", 1)[1] == dst.name.split("/", 1)[1]
        ops.append(tf.assign(dst, src))
    return tf.group(*ops, name="update_target")


tf.set_random_seed(99)
q_net = QNetwork("q_network")
target_net = QNetwork("target_network")
update_target = make_copy_ops(q_net, target_net)

names = [v.op.name for v in q_net.variables()]
assert names == sorted(["q_network/Conv/weights", "q_network/Conv/biases",
                        "q_network/Conv_1/weights", "q_network/Conv_1/biases",
                        "q_network/fully_connected/weights", "q_network/fully_connected/biases",
                        "q_network/fully_connected_1/weights",
                        "q_network/fully_connected_1/biases"]), names
assert q_net.q_values.get_shape().as_list() == [None, N_ACTIONS]

# a fixed replay buffer from a toy environment: reward = 1 if action matches the
# brighter channel, next state random
rng = np.random.RandomState(0)
size = 256
states = rng.rand(size, *FRAME).astype(np.float32)
states[np.arange(size), :, :, rng.randint(0, 2, size)] += 0.5
best = np.argmax(states.mean(axis=(1, 2)), axis=1)
actions = rng.randint(0, N_ACTIONS, size)
rewards = (actions == best).astype(np.float32)
next_states = rng.rand(size, *FRAME).astype(np.float32)
done = rng.rand(size) < 0.5

sess = tf.Session()
sess.run(tf.global_variables_initializer())
online_vals = sess.run(q_net.variables())
target_vals = sess.run(target_net.variables())
assert not all(np.allclose(a, b) for a, b in zip(online_vals, target_vals))
sess.run(update_target)
for a, b in zip(sess.run(q_net.variables()), sess.run(target_net.variables())):
    assert np.array_equal(a, b)

losses = []
for step in range(40):
    if step % 10 == 0:
        sess.run(update_target)
    idx = rng.randint(0, size, 64)
    next_q = sess.run(target_net.q_values, {target_net.states: next_states[idx]})
    y = rewards[idx] + GAMMA * np.max(next_q, axis=1) * (1.0 - done[idx])
    frozen = sess.run(target_net.variables()[0])
    loss, _ = sess.run([q_net.loss, q_net.train_op],
                       {q_net.states: states[idx], q_net.actions: actions[idx],
                        q_net.targets: y})
    assert np.array_equal(frozen, sess.run(target_net.variables()[0]))
    losses.append(loss)

global_step = sess.run(tf.train.get_global_step())
sess.close()
assert global_step == 40, global_step
assert np.mean(losses[-10:]) < np.mean(losses[:10]), losses
print("dqn_target_network_contrib_conv OK: huber %.4f -> %.4f" % (np.mean(losses[:10]), np.mean(losses[-10:])))
