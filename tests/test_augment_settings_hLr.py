"""data.Augment's settings from Python (the CLI's table entries check theirs): a fractional
or bool translate ran (translate=2.5 drew shifts in [-2, 2], unsaid) and a str or None failed
with Python's bare '<=' error; refused in one line naming Augment and the setting."""

import numpy as np
import pytest

from tinygrad_dl.data import Augment


@pytest.mark.parametrize("kw,words", [
    (dict(translate=2.5), r"Augment: translate is a whole number of pixels, got float 2.5"),
    (dict(translate=True), r"Augment: translate is a whole number of pixels, got bool True"),
    (dict(translate="2"), r"Augment: translate is a whole number of pixels, got str '2'"),
    (dict(translate=None), r"Augment: translate is a whole number of pixels, got NoneType"),
    (dict(flip=True), r"Augment: flip is a probability in \[0, 1\], got bool True"),
    (dict(flip="0.5"), r"Augment: flip is a probability in \[0, 1\], got str '0.5'"),
    (dict(flip=None), r"Augment: flip is a probability in \[0, 1\], got NoneType None"),
])
def test_settings_of_the_wrong_type_refused_in_one_line(kw, words):
    with pytest.raises(TypeError, match=words):
        Augment(**kw)


@pytest.mark.parametrize("kw", [dict(translate=np.int64(2)), dict(flip=np.float32(0.5)),
                                dict(flip=1), dict(flip=0, translate=31)])
def test_numpy_and_int_settings_still_run(kw):
    X = np.random.default_rng(0).standard_normal((3, 3072))
    assert Augment(**kw)(X, np.random.default_rng(1)).shape == (3, 3072)
