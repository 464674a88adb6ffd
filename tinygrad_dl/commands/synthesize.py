"""`tinygrad-dl synthesize CHECKPOINT`: sample text from a trained char-RNN checkpoint.

The checkpoint (model.npz written by `tinygrad-dl train char-rnn`) stores the vocabulary in
its extras, and the hidden state training ended with (`h_last`). Generation starts from that
state (--h0 zeros: from h0 = 0; a checkpoint without one: zeros, with a note) and the --start
text: all but its last character are run through the RNN to set the hidden state, the last
one is the first input x0.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from typing import Any

import numpy as np

from tinygrad_dl import checkpoint, no_grad
from tinygrad_dl.data import CharData
from tinygrad_dl.models import MODELS, Loop

from .args import nonneg_float, nonneg_int, seed


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "synthesize",
        help="generate text with a trained char-rnn checkpoint",
        description="Print --start followed by LENGTH characters sampled from a char-rnn "
        "checkpoint, one at a time, each fed back as the next input.",
    )
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="model.npz of a char-rnn run")
    p.add_argument("--length", type=nonneg_int, default=1000,
                   help="characters to sample (default 1000; 0 prints the --start text alone)")
    p.add_argument("--temperature", type=nonneg_float, default=None,
                   help="softmax temperature: < 1 safer, > 1 wilder, 0 greedy (default 1; "
                        "not with --length 0, which samples nothing)")
    p.add_argument("--start", default=None, metavar="TEXT",
                   help="first character(s); default: the first character of the training text")
    p.add_argument("--seed", type=seed, default=None,
                   help="sampling seed (default: random; not with --temperature 0 or "
                        "--length 0, which draw nothing)")
    p.add_argument("--h0", choices=["last", "zeros"], default="last",
                   help="the hidden state generation starts from: last (default), the one "
                        "training ended with, kept in the checkpoint; zeros: h0 = 0, which "
                        "a short run's weights have seldom seen")
    p.set_defaults(func=run)


_SHOWN_UNKNOWN, _SHOWN_VOCAB = 20, 100  # characters an error line lists


def _char_name(c: str) -> str:
    """'x', or 'é' (U+00E9) for a character outside ASCII."""
    return repr(c) if c.isascii() else f"{c!r} (U+{ord(c):04X})"


def _in_vocabulary(start: str, known: Any) -> str:
    """`start` in the Unicode normal form the vocabulary spells it in: NFC ("é" one character)
    where all of its characters are known, else NFD ("e" and a combining acute), else as
    given. The text is not normalised; a start typed in the other form ("e" + U+0301 on a
    text of U+00E9, which also holds a combining acute elsewhere) ran the model on characters
    that look the same and that it had hardly seen, without a word."""
    for form in ("NFC", "NFD"):
        s = unicodedata.normalize(form, start)
        if all(c in known for c in s):
            return s
    return start


def synthesize_text(model: Any, chars: list[str], start: str, length: int,
                    temperature: float = 1.0, rng: np.random.Generator | None = None,
                    h0: np.ndarray | None = None) -> str:
    """`start` (in the vocabulary's Unicode normal form: _in_vocabulary) + `length` sampled
    characters, from the hidden state h0 (None: zeros)."""
    vocab = CharData(text="", chars=list(chars))
    if not start:
        raise ValueError("--start must be at least one character")
    start = _in_vocabulary(start, vocab.char_to_ix)
    unknown = sorted({c for c in start if c not in vocab.char_to_ix})
    if unknown:  # (the whole vocabulary, up to 10,000 characters, made a line of that length;
        # a combining mark's repr alone merged with its quote)
        names = ", ".join(_char_name(c) for c in unknown[:_SHOWN_UNKNOWN])
        more = f" and {len(unknown) - _SHOWN_UNKNOWN} more" if len(unknown) > _SHOWN_UNKNOWN else ""
        vocab_text = "".join(chars)
        shown = (repr(vocab_text) if len(vocab_text) <= _SHOWN_VOCAB
                 else f"{vocab_text[:_SHOWN_VOCAB]!r}...")
        raise ValueError(f"--start has character(s) {names}{more} not in the model's "
                         f"vocabulary of {len(chars)}: {shown}")
    if length < 0:
        raise ValueError(f"--length must be >= 0, got {length}")
    if not temperature >= 0 or not np.isfinite(temperature):  # NaN fails every comparison
        raise ValueError(f"--temperature must be a finite number >= 0, got {temperature}")
    ix = vocab.encode(start)
    h = h0
    if len(ix) > 1:  # prime the hidden state with the start text
        with no_grad():
            model(ix[:-1], h0=h)
        h = model.h_last
    out = model.synthesize(h, int(ix[-1]), length, temperature=temperature, rng=rng)
    return start + vocab.decode(out)


def run(args: argparse.Namespace) -> int:
    if args.temperature == 0 and args.seed is not None:  # (was accepted, and changed nothing)
        raise ValueError(f"--seed {args.seed} has no effect with --temperature 0 (greedy: the "
                         "most likely character every step, the same text every time); leave "
                         "out --seed, or give a temperature > 0")
    if args.length == 0 and args.seed is not None:  # (accepted too: it samples nothing)
        raise ValueError(f"--seed {args.seed} has no effect with --length 0 (no character is "
                         "sampled: the --start text alone is printed); leave out --seed, or "
                         "give a --length > 0")
    if args.length == 0 and args.temperature is not None:  # (accepted: it changed nothing)
        raise ValueError(f"--temperature {args.temperature:g} has no effect with --length 0 (no "
                         "character is sampled: the --start text alone is printed); leave out "
                         "--temperature, or give a --length > 0")
    temperature = 1.0 if args.temperature is None else args.temperature
    path = args.checkpoint
    meta, _ = checkpoint.read(path)  # checked as hostile: the file may come from anywhere
    cls = MODELS.get(meta["model"]) if meta["kind"] == "model" else None
    if cls is None or cls.loop is not Loop.SEQUENCE:
        what = "a state dict" if meta["kind"] != "model" else f"a {meta['model']} model"
        raise ValueError(f"{path} holds {what}; synthesize needs a char-rnn checkpoint (from "
                         "`tinygrad-dl train char-rnn`)")
    model = checkpoint.load_model(path)
    extra = meta["extra"]
    chars, start_char = extra.get("chars"), extra.get("start_char")
    if not (isinstance(chars, list) and len(chars) == model.K
            and all(isinstance(c, str) and len(c) == 1 for c in chars)
            and len(set(chars)) == len(chars)):
        raise ValueError(f"{path}: the checkpoint has no vocabulary of {model.K} distinct "
                         "characters in its extras (key 'chars')")
    if start_char is not None and not (isinstance(start_char, str) and start_char
                                       and all(c in chars for c in start_char)):
        raise ValueError(f"{path}: its extras' start_char {start_char!r:.40} is not text in "
                         "its vocabulary")
    start = args.start if args.start is not None else start_char or chars[0]
    h0 = _h_last(path, extra.get("h_last"), model.m, model.dtype) if args.h0 == "last" else None
    text = synthesize_text(model, chars, start, args.length, temperature,
                           np.random.default_rng(args.seed), h0=h0)
    try:
        sys.stdout.write(text + "\n")
    except UnicodeEncodeError as e:  # (an ASCII or cp1252 stdout: the codec's words alone
        # said neither which text nor what to do)
        raise ValueError(f"stdout's encoding {sys.stdout.encoding} cannot print "
                         f"{e.object[e.start]!r} of the sampled text: set "
                         "PYTHONIOENCODING=utf-8") from None
    if args.h0 == "last" and h0 is None:  # (after the text: an error stays one line)
        print(f"note: {path} holds no hidden state from training (h_last: an older "
              "file, or save_model without h_last=): sampling started from h0 = 0, where a "
              "short run's text may read as noise; train again to keep it", file=sys.stderr)
    return 0


def _h_last(path: Any, h_last: Any, m: int, dtype: Any) -> np.ndarray | None:
    """The extras' h_last, checked (the file may come from anywhere): m numbers in [-1, 1],
    tanh's range. None for a checkpoint saved before it was kept."""
    if h_last is None:  # (an older model.npz: run notes it)
        return None
    if not (isinstance(h_last, list) and len(h_last) == m and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and -1 <= v <= 1
            for v in h_last)):  # (NaN fails the comparison)
        raise ValueError(f"{path}: its extras' h_last is not {m} numbers in [-1, 1] (the hidden "
                         "state training ended with); --h0 zeros starts from h0 = 0 instead")
    return np.array(h_last, dtype=dtype)
