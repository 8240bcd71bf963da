"""REINFORCE on a contextual bandit: tf.multinomial sampling, get_or_create_global_step / get_global_step, tf.app.flags read lazily."""
import numpy as np
import tensorflow as tf

flags = tf.app.flags
flags.DEFINE_integer("pg_iterations", 60, "Number of policy updates.")
flags.DEFINE_float("pg_learning_rate", 0.05, "Learning rate of the policy.")
FLAGS = flags.FLAGS

N_CONTEXTS = 4
N_ACTIONS = 3


def reward_fn(contexts, actions):
    return (actions == contexts % N_ACTIONS).astype(np.float32)


def build_policy():
    state = tf.placeholder(tf.float32, [None, N_CONTEXTS], name="state")
    taken = tf.placeholder(tf.int32, [None], name="taken_actions")
    advantage = tf.placeholder(tf.float32, [None], name="advantage")

    hidden = tf.layers.dense(state, 16, activation=tf.nn.tanh, name="policy_hidden")
    logits = tf.layers.dense(hidden, N_ACTIONS, name="policy_logits")
    sample = tf.squeeze(tf.multinomial(logits, num_samples=1), axis=1)
    greedy = tf.argmax(logits, axis=1)

    neg_log_prob = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=taken, logits=logits)
    loss = tf.reduce_mean(neg_log_prob * advantage)

    global_step = tf.train.get_or_create_global_step()
    optimizer = tf.train.AdamOptimizer(FLAGS.pg_learning_rate)
    train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())
    return state, taken, advantage, sample, greedy, train_op, global_step


def main():
    tf.set_random_seed(0)
    rng = np.random.RandomState(0)
    state, taken, advantage, sample, greedy, train_op, global_step = build_policy()
    assert tf.train.get_global_step() is global_step
    assert global_step.op.name == "global_step"
    eye = np.eye(N_CONTEXTS, dtype=np.float32)

    mean_rewards = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for it in range(FLAGS.pg_iterations):
            contexts = rng.randint(0, N_CONTEXTS, 64)
            actions = sess.run(sample, {state: eye[contexts]})
            assert actions.shape == (64,) and actions.min() >= 0 and actions.max() < N_ACTIONS
            rewards = reward_fn(contexts, actions)
            baseline = rewards.mean()
            sess.run(train_op, {state: eye[contexts], taken: actions,
                                advantage: rewards - baseline})
            mean_rewards.append(rewards.mean())
        step = sess.run(global_step)
        chosen = sess.run(greedy, {state: eye})

    assert step == FLAGS.pg_iterations, step
    greedy_reward = reward_fn(np.arange(N_CONTEXTS), chosen).mean()
    assert greedy_reward == 1.0, chosen
    assert np.mean(mean_rewards[-10:]) > np.mean(mean_rewards[:10])
    print("policy_gradient_global_step OK: mean reward %.2f -> %.2f after %d steps"
          % (np.mean(mean_rewards[:10]), np.mean(mean_rewards[-10:]), step))


if __name__ == "__main__":
    main()
