"""Shared docstring sections of the estimators (room: ``estimator``; text only).

Both estimators take the same constructor arguments and share most fitted
attributes; they are documented once here and spliced into each class's
numpydoc docstring.
"""

PARAMETERS = """    Parameters
    ----------
    n_hidden : int, default=5
        Number of hidden layers.
    n_neurons : int, default=100
        Units per hidden layer.
    hidden_layer_sizes : tuple of int, default=None
        Per-layer sizes; overrides ``n_hidden`` and ``n_neurons``.
    activation : str or callable, default='elu'
        'relu', 'leaky_relu' (alpha 0.01), 'elu', 'selu', 'tanh', 'sigmoid',
        'identity' or a function of a tensor.
    initializer : str or callable, default='he_normal'
        'he_normal', 'he_uniform', 'glorot_normal', 'glorot_uniform',
        'lecun_normal', 'lecun_uniform', 'variance_scaling' or a TF initializer.
    optimizer : str, default='adam'
        'gd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam' or 'ftrl'.
    learning_rate : float, default=0.001
        The base rate (1cycle's peak is 10x it unless set on the schedule).
    beta1, beta2 : float, default=0.9, 0.999
        Adam's decay rates.
    momentum : float, default=0.9
        Momentum of 'momentum', 'nesterov' and 'rmsprop'.
    batch_size : int, default=50
    n_epochs : int, default=100
        Epochs of a ``fit`` (an upper bound with early stopping; schedules are
        laid out over it); at most 10**9.
    batch_norm_momentum : float in [0, 1), default=None
        Batch normalization before every hidden activation when set.
    dropout_rate : float in [0, 1), default=None
        Dropout on every hidden layer's output (alpha dropout with 'selu');
        it also drives MC dropout predictions.
    l1, l2 : float, default=0.0
        Kernel regularization strength of every layer.  The training ``loss``
        in ``history_`` includes these penalties; ``val_loss`` does not.
    max_norm : float, default=None
        Max-norm threshold of the hidden kernels, enforced after every step.
    gradient_clip_value, gradient_clip_norm, gradient_clip_global_norm : float, default=None
        Clip each gradient element, each gradient's norm, or all gradients'
        global norm.
    lr_schedule : str or Schedule, default=None
        'constant', 'exponential', 'piecewise', 'power', 'performance',
        '1cycle' or an instance from ``tfgraph_dnn.training.schedules``.
    early_stopping : bool, default=False
        Stop when the monitored value has not improved for ``patience``
        epochs in a row and restore the weights of the best epoch (kept in
        memory; ``best_epoch_``); without ``X_valid`` a random (stratified for
        classifiers) ``validation_fraction`` of the rows is held out.
    early_stopping_monitor : {'val_loss', 'val_accuracy', 'loss', 'accuracy'}, default='val_loss'
        What early stopping watches (accuracies: higher is better; a
        classifier's only).  An accuracy's ties are broken by the loss of the
        same data: an epoch as accurate as the best one that has a lower loss
        becomes the best (small validation sets give coarse, flat accuracies).
    patience : int, default=10
        Epochs without improvement before stopping.
    min_delta : float, default=0.0
        Smallest change of the monitored value that counts as an improvement
        (a smaller gain of accuracy still wins a tie on the loss).
    validation_fraction : float in (0, 1), default=0.1
    checkpoint_dir : str or path-like, default=None
        Save a crash-safe checkpoint every ``checkpoint_every`` epochs and at
        the end, into ``checkpoint_dir/fit-<key>/``: the key digests the
        training data and the parameters that shape training, so every fit
        (each fold of a cross-validation) has its own.  It must be absent,
        empty or a checkpoint directory: a ``save()`` directory or a
        directory of other files is refused, never modified.
    checkpoint_every : int, default=5
    resume : bool, default=False
        Continue this fit's own checkpoint in ``checkpoint_dir`` (same data,
        same parameters; ``n_epochs`` may be larger), or train from scratch
        when there is none; never another fit's.  A ``fit-<key>/`` directory
        given as ``checkpoint_dir`` belongs to its fit: another fit is refused
        with a ``CheckpointError`` naming what differs.
    log_dir : str or path-like, default=None
        Write TensorBoard events (scalars, graph, HParams) to a new
        ``run-<UTC timestamp>[-<run_name>]`` directory under it.
    run_name : str, default=None
        Sanitized to ``[A-Za-z0-9._-]``: a run never leaves ``log_dir``.
    log_histograms : bool, default=False
        Also log weight histograms every epoch.
    warm_start : bool, default=False
        A new ``fit`` continues from the current weights, optimizer state and
        history.  Parameters changed with ``set_params`` since the last fit
        take effect (learning rate, dropout, schedule, batch size...), except
        those that change the network's variables -- ``n_hidden``,
        ``n_neurons``, ``hidden_layer_sizes``, ``activation``, batch norm on or
        off, ``optimizer``, ``n_frozen``, a 'performance' schedule on or off:
        then ``fit`` (and ``partial_fit``) raise a ``ValueError`` naming them
        and the model stays as it was (as scikit-learn's estimators refuse a
        warm start they cannot honour).
    warm_start_from : str, path-like or WarmStartSettings, default=None
        Initialize variables from a checkpoint (prefix, TF checkpoint
        directory, ``checkpoint_dir`` or ``save()`` directory); see
        :class:`tfgraph_dnn.WarmStartSettings` to choose and rename variables.
    n_frozen : int, default=0
        Freeze the lowest ``n_frozen`` hidden layers (``tf.stop_gradient`` and
        left out of the optimizer): they keep their warm-started values.
    cache_frozen : bool, default=True
        When the frozen layers have no dropout and no batch norm, compute
        their outputs once per fit and train the upper layers on them.
    reused_lr_multiplier : float in (0, 1], default=1.0
        Learning-rate multiplier of the trainable hidden layers that
        ``warm_start_from`` initializes (the new layers train at
        ``learning_rate``): a second optimizer of the same kind at the
        smaller rate, so it works with Adam too (which would undo a gradient
        scale).  1.0: one rate for all, the graph of a fit without it.
    feature_scaling : {'standard', 'minmax'}, (offset, scale) or None, default=None
        Input preprocessing carried by the model: ``(X - offset) / scale``
        computed inside the network's graph, so ``predict``, saved models,
        pickles and SavedModel exports all take raw features.  'standard':
        each feature's mean and standard deviation on the ``X`` given to
        ``fit`` (a zero deviation counts as 1); 'minmax': its minimum and
        range, to [0, 1] (a zero range counts as 1); a pair of numbers or
        per-feature arrays fixes them (``(0, 255)`` for raw pixels).  The
        values are fitted when a new network is built (``fit``, the first
        ``partial_fit``) and kept by continued fits (``warm_start``, later
        ``partial_fit`` calls, ``resume``), which cannot change this
        parameter; ``warm_start_from`` never sets them.  Fitted values:
        ``feature_offset_``, ``feature_scale_``.
    callbacks : list of Callback, default=None
        Extra callbacks (``on_train_begin`` / ``on_epoch_end`` / ...; subclasses of
        :class:`tfgraph_dnn.training.Callback`, earlier called ``Hook``) run by the
        loop after the built-in ones (progress, divergence guard, early stopping);
        each fit calls their ``initialize()`` first, as skorch does.
    n_threads : int, default=None
        TensorFlow intra/inter-op threads of the Session; None follows
        ``OMP_NUM_THREADS`` when set (joblib and Dask workers set it), else
        TensorFlow's default.
    random_state : int, RandomState or None
        Seeds NumPy (shuffling) and the graph (initializers, dropout masks):
        the same seed gives the same predictions on CPU.
    verbose : int, default=0
        1 prints one line per epoch, 2 a progress bar over batches.
"""

COMMON_ATTRIBUTES = """    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.
    history_ : list of dict
        One row per epoch: epoch, loss{metrics} (and the same with ``val_``
        when validating), learning_rate (at the epoch's end) and seconds.
        ``loss`` is the running mean over the epoch in training mode.
    n_epochs_ : int
        Epochs actually run.
    n_layers_ : int
        Hidden layers plus the output layer.
    best_epoch_, best_val_loss_ : int, float
        Only with ``early_stopping=True``: the epoch whose weights were kept
        and its validation loss.
    feature_offset_, feature_scale_ : ndarray of shape (n_features_in_,)
        Only with ``feature_scaling``: the network sees
        ``(X - feature_offset_) / feature_scale_``.
    loss_curve_ : list of float
        The training loss of every epoch (``history_``'s ``loss``), as
        ``MLPClassifier``'s.
    n_iter_ : int
        Epochs run (earlier fits' included when training went on), as ``n_epochs_``.
    validation_scores_ : list of float or None
        Per epoch, the score on the validation data (``X_valid`` or the
        ``early_stopping`` split){validation_score}; ``None`` for an epoch
        without validation, and the attribute is ``None`` when no epoch had any.
    best_loss_ : float or None
        The lowest training loss of ``loss_curve_``; ``None`` with
        ``early_stopping=True`` (as ``MLPClassifier``), where ``best_epoch_``
        and ``best_validation_score_`` describe the kept weights.
    best_validation_score_ : float
        Only with ``early_stopping=True``: the validation score of ``best_epoch_``.
    warm_started_vars_ : list of str
        Variables initialized from ``warm_start_from``.
    log_dir_ : str
        Only with ``log_dir``: the run directory of the last fit.
"""
