"""Character-level text data for the char-RNN: load a UTF-8 corpus, map chars <-> indices.

The default corpus is the English help text that ships with every CPython
(`pydoc_data.topics.topics`, the text behind `help("FOR")`), so the RNN trains with no download.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.functional import one_hot


def default_corpus() -> str:
    """CPython's pydoc help topics, values joined in sorted key order with blank lines.

    Sorted keys make the corpus (and so the char map) the same on every run of one Python version.
    """
    try:
        from pydoc_data.topics import topics
    except ImportError as e:  # some minimal Python builds strip pydoc_data
        raise RuntimeError(
            "the default text corpus needs CPython's pydoc_data.topics module, which this Python "
            f"lacks ({e}); pass a UTF-8 text file instead (--text FILE / load_text(path))"
        ) from e
    return "\n\n".join(topics[k] for k in sorted(topics))


@dataclass
class CharData:
    """A corpus and its vocabulary: `chars` are the sorted unique characters, index = position."""

    text: str
    chars: list[str] = field(default_factory=list)
    char_to_ix: dict[str, int] = field(default_factory=dict)
    ix_to_char: dict[int, str] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        if not self.chars:  # sorted, not first-seen order: the same text always gives the same map
            self.chars = sorted(set(self.text))
        if not self.char_to_ix:
            self.char_to_ix = {c: i for i, c in enumerate(self.chars)}
        if not self.ix_to_char:
            self.ix_to_char = dict(enumerate(self.chars))

    def fingerprint(self) -> str:
        """SHA-256 of the text (UTF-8): a resumed run checks it trains on the same one."""
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def K(self) -> int:
        """Vocabulary size (number of distinct characters)."""
        return len(self.chars)

    def encode(self, s: str) -> np.ndarray:
        """String -> int64 index array (len(s),); an unknown character is a ValueError."""
        try:
            return np.fromiter((self.char_to_ix[c] for c in s), dtype=np.int64, count=len(s))
        except KeyError as e:
            raise ValueError(f"encode: character {e.args[0]!r} is not in the vocabulary "
                             f"({self.K} chars from {self.source or 'the corpus'})") from None

    def decode(self, ix: Iterable[int] | np.ndarray) -> str:
        """Index array (or any iterable of ints) -> string."""
        ix = _indices(ix, "decode")
        if ix.size and (ix.min() < 0 or ix.max() >= self.K):
            raise ValueError(f"decode: indices must be in [0, {self.K}), "
                             f"got {ix.min()}..{ix.max()}")
        return "".join(self.chars[i] for i in ix.tolist())

    def one_hot(self, ix: Iterable[int] | np.ndarray, dtype: Any = np.float64) -> np.ndarray:
        """Index sequence (T,) -> one-hot rows (T, K): row t is the input x_t of the RNN."""
        return one_hot_sequence(ix, self.K, dtype=dtype)


def one_hot_sequence(ix: Iterable[int] | np.ndarray, K: int, dtype: Any = np.float64) -> np.ndarray:
    """Index sequence (T,) -> (T, K) one-hot matrix (rows are time steps)."""
    return one_hot(_indices(ix, "one_hot_sequence"), K, dtype=dtype)


def _indices(ix: Iterable[int] | np.ndarray, who: str) -> np.ndarray:
    """`ix` as a flat int64 array, or one line: a cast of float (or bool) indices truncated
    [0.5, 1.9] to characters 0 and 1 without a word, where one_hot refuses them."""
    if not isinstance(ix, np.ndarray) and not hasattr(ix, "__len__"):
        ix = list(ix)  # (an iterator, a generator: np.asarray made a 0-d object array of it)
    a = np.asarray(ix)
    if a.size and a.dtype.kind not in "iu":
        raise ValueError(f"{who}: character indices must be integers, got dtype {a.dtype}")
    return a.astype(np.int64).ravel()


MAX_TEXT_BYTES = 1 << 30  # the text is held as str and indices (~9x its size): refuse > 1 GiB
# the char-RNN's matrices are K x m and K x K one-hot rows per sequence: a text of 10**6 distinct
# characters asked for 848 MiB per matrix. Real alphabets (all of Unicode's scripts in one
# corpus) stay far below this.
MAX_VOCAB = 10_000


def load_text(path: str | os.PathLike[str] | None = None,
              max_bytes: int = MAX_TEXT_BYTES, max_vocab: int = MAX_VOCAB) -> CharData:
    """Load a UTF-8 text file (a leading BOM is dropped, "\r\n" and "\r" read as "\n", as
    open() in text mode reads them) or, with path=None, the default corpus.

    Missing file -> FileNotFoundError; a folder, a device or a pipe, not valid UTF-8, empty,
    holding a NUL character (UTF-16 ASCII text decodes as UTF-8 with a NUL in every other place),
    larger than `max_bytes` or with more than `max_vocab` distinct characters -> ValueError
    naming the file (the size is checked before anything is read, the vocabulary before any
    matrix is built).
    """
    if path is None:
        v = sys.version_info
        return CharData(default_corpus(), source=f"pydoc_data.topics (CPython {v.major}.{v.minor})")
    p = Path(path).expanduser()
    if p.is_dir():
        raise ValueError(f"{p} is a folder, not a text file: name a UTF-8 text file")
    if not p.is_file():
        if p.exists():  # /dev/null, a FIFO, <(...)'s /dev/fd/N: there, so not "not found"
            raise ValueError(f"{p} is not a regular file (a device or a pipe): save the text "
                             "to a file and name that (a resumed run reads it again)")
        raise FileNotFoundError(f"text file not found: {p}")
    size = p.stat().st_size
    if size > max_bytes:
        raise ValueError(f"{p}: the text file ({size} bytes) is larger than the {max_bytes}-byte "
                         "limit (load_text(path, max_bytes=...))")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bom = (" (a byte-order mark: a UTF-16 or UTF-32 file)"
               if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[:4] == b"\0\0\xfe\xff" else "")
        raise ValueError(f"{p}: not valid UTF-8 (byte {e.start}: {raw[e.start:e.start + 1]!r})"
                         f"{bom}; re-save the file as UTF-8") from None
    # universal newlines, as open(p) in text mode: a text saved on Windows ("\r\n") or old Mac
    # ("\r") trains on "\n", not on a "\r" character that samples then print
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        raise ValueError(f"{p}: the text file is empty")
    nul = text.find("\0")
    if nul >= 0:  # UTF-16 without a BOM: ASCII text is valid UTF-8, a NUL after each letter
        raise ValueError(f"{p}: the text has a NUL character (character {nul}): a UTF-16 or "
                         "UTF-32 file, or not text? re-save the file as UTF-8")
    vocab = set(text)
    if len(vocab) > max_vocab:
        raise ValueError(f"{p}: the text has {len(vocab)} distinct characters, more than the "
                         f"{max_vocab} a char-RNN vocabulary may have (load_text(path, "
                         "max_vocab=...)); is it a text file?")
    return CharData(text, chars=sorted(vocab), source=str(p))
