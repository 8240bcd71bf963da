"""Wide & deep tf.estimator.DNNLinearCombinedClassifier: crossed and hashed columns wide, embeddings deep."""
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow import feature_column as fc

rng = np.random.RandomState(7)
N = 600
colors = np.array(["red", "green", "blue", "black"])
shapes = np.array(["circle", "square", "star"])
color = colors[rng.randint(0, 4, size=N)]
shape = shapes[rng.randint(0, 3, size=N)]
size = rng.uniform(0, 1, size=N).astype(np.float32)
label = (((color == "red") & (shape == "star")) | (size > 0.8)).astype(np.int32)

color_col = fc.categorical_column_with_vocabulary_list("color", list(colors))
shape_col = fc.categorical_column_with_hash_bucket("shape", hash_bucket_size=10)
size_col = fc.numeric_column("size")
wide_columns = [color_col, shape_col, fc.crossed_column(["color", "shape"], hash_bucket_size=50)]
deep_columns = [size_col, fc.embedding_column(shape_col, dimension=4),
                fc.indicator_column(color_col)]

model_dir = tempfile.mkdtemp()
run_config = tf.estimator.RunConfig().replace(save_checkpoints_steps=150, keep_checkpoint_max=2,
                                              tf_random_seed=11)
m = tf.estimator.DNNLinearCombinedClassifier(
    model_dir=model_dir,
    linear_feature_columns=wide_columns,
    dnn_feature_columns=deep_columns,
    dnn_hidden_units=[16, 8],
    dnn_optimizer=tf.train.AdagradOptimizer(learning_rate=0.1),
    config=run_config)

features = {"color": color, "shape": shape, "size": size}
train_fn = tf.estimator.inputs.numpy_input_fn(x=features, y=label, batch_size=40,
                                              num_epochs=None, shuffle=True)
m.train(input_fn=train_fn, steps=450)
eval_fn = tf.estimator.inputs.numpy_input_fn(x=features, y=label, num_epochs=1, shuffle=False)
results = m.evaluate(input_fn=eval_fn)

names = m.get_variable_names()
assert "linear/linear_model/color_X_shape/weights" in names, names
assert "linear/linear_model/shape/weights" in names, names
assert "dnn/input_from_feature_columns/input_layer/shape_embedding/embedding_weights" in names, names
assert "dnn/hiddenlayer_1/kernel" in names and "dnn/logits/kernel" in names, names
assert m.get_variable_value("dnn/hiddenlayer_0/kernel").shape == (1 + 4 + 4, 16)
checkpoints = tf.train.get_checkpoint_state(model_dir).all_model_checkpoint_paths
assert [p.rsplit("-", 1)[1] for p in checkpoints] == ["300", "450"], checkpoints
assert results["global_step"] == 450, results
assert results["accuracy"] > 0.9, results
shutil.rmtree(model_dir)
print("wide_deep_combined_classifier OK: accuracy %.3f" % results["accuracy"])
