"""Actor-critic on a corridor MDP: shared contrib fully_connected torso, policy + value heads, tf.stop_gradient advantage, entropy bonus."""
import numpy as np
import tensorflow as tf
from tensorflow.contrib import layers

N_STATES = 6          # positions 0..5; 0 and 5 are terminal
START = 2
N_ACTIONS = 2         # 0 = left, 1 = right
GAMMA = 0.9


def env_step(pos, action):
    pos = pos + (1 if action == 1 else -1)
    if pos == N_STATES - 1:
        return pos, 1.0, True
    if pos == 0:
        return pos, 0.0, True
    return pos, 0.0, False


class ActorCritic(object):
    def __init__(self):
        self.state = tf.placeholder(tf.float32, [None, N_STATES], "state")
        self.action = tf.placeholder(tf.int32, [None], "action")
        self.td_target = tf.placeholder(tf.float32, [None], "td_target")

        with tf.variable_scope("shared"):
            torso = layers.fully_connected(self.state, 24, activation_fn=tf.nn.relu)
        with tf.variable_scope("actor"):
            logits = layers.fully_connected(torso, N_ACTIONS, activation_fn=None)
            self.probs = tf.nn.softmax(logits)
        with tf.variable_scope("critic"):
            self.value = tf.squeeze(layers.fully_connected(torso, 1, activation_fn=None), axis=1)

        advantage = tf.stop_gradient(self.td_target - self.value)
        log_probs = tf.log(tf.clip_by_value(self.probs, 1e-8, 1.0))
        chosen_log_prob = tf.reduce_sum(log_probs * tf.one_hot(self.action, N_ACTIONS), axis=1)
        entropy = -tf.reduce_sum(self.probs * log_probs, axis=1)

        self.actor_loss = -tf.reduce_mean(chosen_log_prob * advantage + 0.01 * entropy)
        self.critic_loss = tf.reduce_mean(tf.squared_difference(self.td_target, self.value))
        self.train_op = tf.train.AdamOptimizer(0.02).minimize(
            self.actor_loss + 0.5 * self.critic_loss)


def one_hot(positions):
    return np.eye(N_STATES, dtype=np.float32)[positions]


def main():
    tf.set_random_seed(1)
    rng = np.random.RandomState(1)
    model = ActorCritic()
    assert len(tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="actor")) == 2
    assert len(tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="critic")) == 2
    assert [v.op.name for v in tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES,
                                                 scope="shared")] == [
        "shared/fully_connected/weights", "shared/fully_connected/biases"]

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        returns = []
        for episode in range(80):
            pos, done, t = START, False, 0
            states, actions, rewards, next_states, dones = [], [], [], [], []
            while not done and t < 12:
                p = sess.run(model.probs, {model.state: one_hot([pos])})[0]
                a = rng.choice(N_ACTIONS, p=p / p.sum())
                nxt, r, done = env_step(pos, a)
                states.append(pos); actions.append(a); rewards.append(r)
                next_states.append(nxt); dones.append(done)
                pos, t = nxt, t + 1
            next_values = sess.run(model.value, {model.state: one_hot(next_states)})
            targets = np.array(rewards) + GAMMA * next_values * (1.0 - np.array(dones, np.float32))
            sess.run(model.train_op, {model.state: one_hot(states), model.action: actions,
                                      model.td_target: targets})
            returns.append(sum(rewards))
        probs, values = sess.run([model.probs, model.value],
                                 {model.state: one_hot(np.arange(1, N_STATES - 1))})

    assert np.all(probs[:, 1] > 0.5), probs       # go right everywhere
    assert values[-1] > values[0], values          # states nearer the goal are worth more
    assert np.mean(returns[-20:]) > np.mean(returns[:20]), returns
    print("actor_critic_corridor OK: success rate %.2f -> %.2f"
          % (np.mean(returns[:20]), np.mean(returns[-20:])))


if __name__ == "__main__":
    main()
