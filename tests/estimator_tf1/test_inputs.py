"""numpy_input_fn and pandas_input_fn: TF1's batching, epochs, shuffling and errors."""
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tfgraph_dnn import estimator_tf1 as est

v1 = tf.compat.v1


def _drain(input_fn, seed=None):
    """Every batch the input_fn yields, until it ends (numpy values)."""
    with tf.Graph().as_default() as graph:
        if seed is not None:
            v1.set_random_seed(seed)
        out = input_fn()
        batches = []
        with v1.Session(graph=graph) as session:
            while True:
                try:
                    batches.append(session.run(out))
                except tf.errors.OutOfRangeError:
                    return batches


def test_numpy_batches_with_last_partial_batch():
    x = {"a": np.arange(10, dtype=np.float32), "b": np.arange(10, 20)}
    batches = _drain(est.inputs.numpy_input_fn(x, np.arange(10) * 2, batch_size=4,
                                               shuffle=False))
    assert [len(labels) for _, labels in batches] == [4, 4, 2]
    features = {k: np.concatenate([f[k] for f, _ in batches]) for k in x}
    np.testing.assert_array_equal(features["a"], x["a"])
    np.testing.assert_array_equal(features["b"], x["b"])
    np.testing.assert_array_equal(np.concatenate([lab for _, lab in batches]),
                                  np.arange(10) * 2)
    assert batches[0][0]["a"].dtype == np.float32 and batches[0][0]["b"].dtype == np.int64


def test_numpy_epochs_run_across_batch_boundaries():
    batches = _drain(est.inputs.numpy_input_fn(np.arange(5), batch_size=3, num_epochs=2,
                                               shuffle=False))
    assert [b.tolist() for b in batches] == [[0, 1, 2], [3, 4, 0], [1, 2, 3], [4]]


def test_numpy_infinite_epochs_give_full_batches():
    with tf.Graph().as_default() as graph:
        out = est.inputs.numpy_input_fn({"a": np.arange(5)}, batch_size=4, num_epochs=None,
                                        shuffle=False)()
        with v1.Session(graph=graph) as session:
            got = [session.run(out)["a"].tolist() for _ in range(4)]
    assert got == [[0, 1, 2, 3], [4, 0, 1, 2], [3, 4, 0, 1], [2, 3, 4, 0]]


def test_numpy_shuffle_is_a_permutation_per_epoch_and_seeded():
    fn = est.inputs.numpy_input_fn({"a": np.arange(50)}, np.arange(50), batch_size=7,
                                   num_epochs=2, shuffle=True)
    first = np.concatenate([f["a"] for f, _ in _drain(fn, seed=3)])
    labels = np.concatenate([lab for _, lab in _drain(fn, seed=3)])
    np.testing.assert_array_equal(first, labels)  # rows stay aligned
    assert sorted(first[:50]) == list(range(50)) and sorted(first[50:]) == list(range(50))
    assert first[:50].tolist() != list(range(50))
    again = np.concatenate([f["a"] for f, _ in _drain(fn, seed=3)])
    np.testing.assert_array_equal(first, again)


@given(rows=st.integers(1, 40), batch_size=st.integers(1, 16), epochs=st.integers(1, 3),
       shuffle=st.booleans())
def test_property_every_row_once_per_epoch(rows, batch_size, epochs, shuffle):
    batches = _drain(est.inputs.numpy_input_fn(np.arange(rows), batch_size=batch_size,
                                               num_epochs=epochs, shuffle=shuffle), seed=1)
    sizes = [len(b) for b in batches]
    total = rows * epochs
    assert sizes == [batch_size] * (total // batch_size) + (
        [total % batch_size] if total % batch_size else [])
    values = np.concatenate(batches)
    assert np.bincount(values, minlength=rows).tolist() == [epochs] * rows


def test_numpy_errors():
    with pytest.raises(ValueError, match="shuffle must be provided and explicitly set"):
        est.inputs.numpy_input_fn({"a": np.arange(3)})
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Length of tensors in x and y is mismatched"):
            est.inputs.numpy_input_fn({"a": np.arange(3)}, np.arange(4), shuffle=False)()
        with pytest.raises(ValueError, match="x cannot be an empty dict"):
            est.inputs.numpy_input_fn({}, shuffle=False)()
        with pytest.raises(ValueError, match="duplicate keys are found in both x and y"):
            est.inputs.numpy_input_fn({"a": np.arange(3)}, {"a": np.arange(3)},
                                      shuffle=False)()
        with pytest.raises(TypeError, match="x must be a dict or array"):
            est.inputs.numpy_input_fn([1, 2], shuffle=False)()


def test_numpy_dict_labels_and_strings():
    fn = est.inputs.numpy_input_fn({"s": np.array(["x", "yy", "z"])},
                                   {"l1": np.arange(3), "l2": np.ones(3)}, shuffle=False)
    ((features, labels),) = _drain(fn)
    assert features["s"].tolist() == [b"x", b"yy", b"z"]
    assert sorted(labels) == ["l1", "l2"]


def test_pandas_input_fn():
    frame = pd.DataFrame({"a": np.arange(6.0), "b": list("uvwxyz")}, index=range(10, 16))
    target = pd.Series(np.arange(6) * 10, index=range(10, 16))
    batches = _drain(est.inputs.pandas_input_fn(frame, target, batch_size=4, shuffle=False))
    (f1, l1), (f2, l2) = batches
    assert sorted(f1) == ["a", "b"] and l1.tolist() == [0, 10, 20, 30] and l2.tolist() == [40, 50]
    assert f2["b"].tolist() == [b"y", b"z"]
    labels = pd.DataFrame({"t1": np.arange(6), "t2": np.arange(6) + 1}, index=frame.index)
    ((features, label_dict),) = _drain(est.inputs.pandas_input_fn(frame, labels,
                                                                  shuffle=False))
    assert sorted(features) == ["a", "b"] and label_dict["t2"].tolist() == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match="Index for x and y are mismatched"):
        est.inputs.pandas_input_fn(frame, pd.Series(np.arange(6)), shuffle=False)
    with pytest.raises(ValueError, match="Cannot use name target for target column"):
        est.inputs.pandas_input_fn(frame.assign(target=1), target, shuffle=False)
    with pytest.raises(ValueError, match="shuffle must be provided"):
        est.inputs.pandas_input_fn(frame, target)
