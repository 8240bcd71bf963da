"""``tfgraph-dnn train``: fit a DNNClassifier, report test accuracy (room: ``cli``).

The data set's scaling (digits ``(0, 16)``, mnist-5k, mnist and MNIST idx
files ``(0, 255)``; none for a CSV or NPZ ``--data`` file) or
``--feature-scaling`` becomes the estimator's ``feature_scaling``: it is
fitted and saved with the model, so ``predict`` and the exported SavedModel
take raw features.  A CSV file's header becomes the model's feature names
(``feature_names_in_``): ``predict`` matches a CSV's columns to them by name.
``--save DIR`` refuses, before training, a directory that holds a different
model (another class, feature count or feature names) unless ``--overwrite``.
"""
from __future__ import annotations

import os

from ..exceptions import CliError
from .common import (AUTO_SCALING, add_data_flags, add_model_flags, add_run_flags,
                     check_checkpoint_target, check_save_target, import_estimators, plain_text,
                     write_json)
from ..data.features import declared_feature_names
from .data import load_training_data, split_train_test

#: What ``--feature-scaling auto`` (the default) means here, for its help text.
SCALING_DEFAULT = ("the data set's own, e.g. 0,16 for digits, 0,255 for MNIST and idx files; "
                   "none for CSV/NPZ files")


def estimator_params(args) -> dict:
    """The ``DNNClassifier`` arguments given by the flags of ``train``."""
    return dict(n_hidden=args.n_hidden, n_neurons=args.n_neurons,
                hidden_layer_sizes=args.hidden_layers, activation=args.activation,
                initializer=args.initializer, optimizer=args.optimizer,
                learning_rate=args.learning_rate, beta1=args.beta1, beta2=args.beta2,
                momentum=args.momentum, batch_size=args.batch_size, n_epochs=args.n_epochs,
                batch_norm_momentum=args.batch_norm_momentum, dropout_rate=args.dropout_rate,
                l1=args.l1, l2=args.l2, max_norm=args.max_norm,
                gradient_clip_value=args.gradient_clip_value,
                gradient_clip_norm=args.gradient_clip_norm,
                gradient_clip_global_norm=args.gradient_clip_global_norm,
                lr_schedule=args.lr_schedule, early_stopping=args.early_stopping,
                patience=args.patience, validation_fraction=args.validation_fraction,
                checkpoint_dir=args.checkpoint_dir, checkpoint_every=args.checkpoint_every,
                resume=args.resume, warm_start_from=args.warm_start_from,
                n_frozen=args.n_frozen, n_threads=args.n_threads, log_dir=args.log_dir,
                log_histograms=args.log_histograms, random_state=args.random_state)


def chosen_scaling(args, data_scaling):
    """``--feature-scaling``; ``auto``: the data set's scaling (``None`` for files)."""
    return data_scaling if args.feature_scaling == AUTO_SCALING else args.feature_scaling


def cmd_train(args) -> int:
    """``train``: fit a DNNClassifier, report test accuracy, write metrics (and --save).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed flags of ``train``.

    Returns
    -------
    int
        0; errors raise (``main`` turns them into exit code 2).
    """
    if args.resume and not args.checkpoint_dir:
        raise CliError("--resume needs --checkpoint-dir")
    check_save_target(args.save)
    check_checkpoint_target(args.checkpoint_dir)
    data = load_training_data(args)
    check_save_target(args.save, "DNNClassifier", data.X.shape[1], args.overwrite,
                      data.feature_names)
    X_train, X_test, y_train, y_test = split_train_test(args, data.X, data.y, data.source,
                                                         data.test)
    from .models import build_model, describe_scaling, network_of, save_model

    scaling = chosen_scaling(args, data.scaling)
    print(f"feature scaling: {describe_scaling(scaling)} (fitted and saved with the model)",
          flush=True)
    model = build_model(import_estimators().DNNClassifier,
                        dict(estimator_params(args), verbose=1, run_name="train"), scaling)
    with declared_feature_names(data.feature_names):  # a CSV header: feature_names_in_
        model.fit(X_train, y_train)
        accuracy = float(model.score(X_test, y_test))
    net = network_of(model)
    run_dir = net.log_dir_
    from ..training.events import best_effort_call  # a log never loses the result

    best_effort_call(run_dir, "metrics.json", write_json, os.path.join(run_dir, "metrics.json"), {
        "source": data.source, "test_accuracy": accuracy,
        "feature_scaling": describe_scaling(scaling),
        "params": {k: v for k, v in net.get_params().items() if not callable(v)},
        "history": net.history_})
    print(f"test accuracy: {accuracy:.4f}")
    print(f"files: {os.path.abspath(run_dir)} (TensorBoard events, metrics.json)")
    if args.save:
        save_model(model, args.save, args.overwrite)
        print(f"saved: {os.path.abspath(args.save)} (use with predict --model / export --model;"
              " it takes raw features)")
    return 0


def add_parser(commands) -> None:
    """Add ``train`` and its flags to the sub-commands of ``tfgraph-dnn``."""
    parser = commands.add_parser("train", help="train a DNNClassifier and report test accuracy",
                                 description=plain_text(__doc__))
    add_data_flags(parser)
    add_model_flags(parser)
    add_run_flags(parser, n_epochs=30, early_stopping=False, patience=10,
                  scaling_default=SCALING_DEFAULT)
    parser.set_defaults(func=cmd_train)
