"""The end-of-fit finiteness check runs the net on a few rows, not on the training set.

Every fit pays for that forward pass (cached refits too), so it is bounded by
``END_CHECK_ROWS``; the check itself (the last weights are finite, else an earlier
epoch's are kept) is exercised in ``tests/test_numeric_bounds.py``.
"""
import numpy as np

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.training import stopping


def test_end_check_evaluates_at_most_end_check_rows(monkeypatch):
    seen = []
    evaluate = stopping.evaluate

    def recording(session, endpoints, X, y, *args, **kwargs):
        seen.append(len(X))
        return evaluate(session, endpoints, X, y, *args, **kwargs)

    monkeypatch.setattr(stopping, "evaluate", recording)
    rng = np.random.RandomState(0)
    n_rows = 3000
    X = rng.normal(size=(n_rows, 8)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    DNNClassifier(n_hidden=1, n_neurons=8, n_epochs=1, batch_size=256,
                  random_state=0).fit(X, y)
    # One forward pass of a bounded slice: ~2 % of a cached 5,000-row fit, not ~10 %.
    assert seen == [min(n_rows, stopping.END_CHECK_ROWS)] and seen[0] <= 1024
