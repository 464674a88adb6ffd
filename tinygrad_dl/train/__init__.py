"""Training: the two loops (`fit` for mini-batch classifiers, `fit_rnn` for the char-RNN, on one
shared skeleton, train/loop.py), the `History` they record, `run_training`, which runs a
registered model with its course defaults, and the table of training settings
(train/hyperparams.py) the command line and the search are built from.

    from tinygrad_dl.train import run_training
    res = run_training("two-layer", {"lam": 0.01, "cycles": 1}, out="runs/demo")
    res.test_acc, res.history["val_acc"]
"""

from .history import History, TrainResult, format_sample
from .minibatch import NonFiniteLossError, check_finite, evaluate, fit
from .outputs import write_outputs
from .run import DEFAULTS, N_S_EPOCHS, resolve_params, run_training
from .sequence import fit_rnn
from .state import StopFlag, TrainingInterrupted, load_train_state

__all__ = [
    "DEFAULTS", "N_S_EPOCHS", "History", "NonFiniteLossError", "TrainResult", "check_finite",
    "evaluate", "fit", "fit_rnn", "format_sample", "resolve_params",
    "run_training", "write_outputs", "StopFlag", "TrainingInterrupted", "load_train_state",
]
