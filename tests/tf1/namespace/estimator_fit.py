"""A small estimator fit that the TF1-mode probe and the eager test process both run."""


def estimator_probabilities():
    """predict_proba of two small fits (plain; batch norm + dropout), as nested lists."""
    from sklearn.datasets import load_digits

    from tfgraph_dnn import DNNClassifier

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16.0, y[:300]
    return [DNNClassifier(n_hidden=1, n_neurons=16, n_epochs=3, random_state=0, **extra)
            .fit(X, y).predict_proba(X[:20]).tolist()
            for extra in ({}, {"batch_norm_momentum": 0.9, "dropout_rate": 0.2})]
