"""tf.estimator.LinearClassifier on a small pandas DataFrame: vocabulary-list and bucketized columns, pandas_input_fn."""
import shutil
import tempfile

import numpy as np
import pandas as pd
import tensorflow as tf

rng = np.random.RandomState(3)
n = 400
df = pd.DataFrame({
    "age": rng.randint(18, 70, size=n).astype(np.float64),
    "education": rng.choice(["Bachelors", "Masters", "HS-grad", "Doctorate"], size=n),
    "hours": rng.uniform(10, 60, size=n),
})
score = ((df["education"].isin(["Masters", "Doctorate"])).astype(float) * 2.0
         + (df["age"] > 40).astype(float) - 1.2)
labels = (score + 0.3 * rng.randn(n) > 0).astype(np.int64)
train_df, test_df = df[:300], df[300:]
train_y, test_y = labels[:300], labels[300:]

age = tf.feature_column.numeric_column("age")
age_buckets = tf.feature_column.bucketized_column(age, boundaries=[25, 30, 35, 40, 45, 50, 60])
education = tf.feature_column.categorical_column_with_vocabulary_list(
    "education", ["Bachelors", "Masters", "HS-grad", "Doctorate"])
hours = tf.feature_column.numeric_column("hours")
base_columns = [age_buckets, education, hours]

model_dir = tempfile.mkdtemp()
model = tf.estimator.LinearClassifier(model_dir=model_dir, feature_columns=base_columns,
                                      optimizer=tf.train.FtrlOptimizer(learning_rate=0.5))

train_input_fn = tf.estimator.inputs.pandas_input_fn(
    x=train_df, y=train_y, batch_size=50, num_epochs=None, shuffle=True)
model.train(input_fn=train_input_fn, steps=200)

eval_input_fn = tf.estimator.inputs.pandas_input_fn(
    x=test_df, y=test_y, batch_size=50, num_epochs=1, shuffle=False)
results = model.evaluate(input_fn=eval_input_fn)
for key in sorted(results):
    tf.logging.info("%s: %s" % (key, results[key]))

pred_input_fn = tf.estimator.inputs.pandas_input_fn(x=test_df, num_epochs=1, shuffle=False)
probs = np.array([p["probabilities"][1] for p in model.predict(input_fn=pred_input_fn)])

names = model.get_variable_names()
assert "linear/linear_model/education/weights" in names, names
assert "linear/linear_model/age_bucketized/weights" in names, names
assert "linear/linear_model/bias_weights" in names, names
assert model.get_variable_value("linear/linear_model/age_bucketized/weights").shape == (8, 1)
assert model.get_variable_value("linear/linear_model/education/weights").shape == (4, 1)
for key in ("accuracy", "accuracy_baseline", "auc", "auc_precision_recall", "average_loss",
            "label/mean", "loss", "precision", "prediction/mean", "recall", "global_step"):
    assert key in results, (key, sorted(results))
assert results["accuracy"] > 0.8, results
assert results["auc"] > 0.85, results
assert probs.shape == (100,)
assert abs(((probs > 0.5) == test_y).mean() - results["accuracy"]) < 1e-6, results
shutil.rmtree(model_dir)
print("linear_classifier_pandas_vocab_list OK: accuracy %.3f auc %.3f"
      % (results["accuracy"], results["auc"]))
