"""The data the course models read: CIFAR-10 (`cifar`: the official batches, or the embedded
sample; `download`: the official tarball, checked and extracted safely; `augment`: random flips
and translations of its mini-batches) for the classifiers and a character corpus (`text`) for
the char-RNN."""

from tinygrad_dl.functional import one_hot

from .augment import Augment
from .cifar import (
    CIFAR_URL,
    ENV_VAR,
    Dataset,
    batches,
    batches_per_epoch,
    default_data_dir,
    load_cifar10,
    load_cifar_batch,
    load_embedded_sample,
    resolve_data_dir,
)
from .download import download_cifar10
from .text import CharData, default_corpus, load_text, one_hot_sequence

__all__ = [
    "Augment", "CIFAR_URL", "ENV_VAR", "CharData", "Dataset", "batches", "batches_per_epoch",
    "default_corpus",
    "default_data_dir", "download_cifar10", "load_cifar10", "load_cifar_batch",
    "load_embedded_sample", "load_text", "one_hot", "one_hot_sequence", "resolve_data_dir",
]
