"""Property tests of ``keras.utils.to_categorical``, which reads user label arrays."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfgraph_dnn.keras_tf1.utils import to_categorical

labels = st.lists(st.integers(0, 9), min_size=1, max_size=40)


@given(labels)
def test_one_hot_round_trips(values):
    encoded = to_categorical(values, num_classes=10)
    assert encoded.shape == (len(values), 10) and encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded.argmax(axis=1), values)
    np.testing.assert_array_equal(encoded.sum(axis=1), 1)


@given(labels)
def test_column_vector_and_inferred_classes(values):
    encoded = to_categorical(np.array(values)[:, None])
    assert encoded.shape == (len(values), max(values) + 1)


@given(labels, st.integers(-5, -1))
def test_negative_labels_are_refused(values, negative):
    with pytest.raises(ValueError, match="non-negative"):
        to_categorical(values + [negative])
