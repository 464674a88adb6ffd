"""Review of the split of nn/module.py (state_dict and loading moved into the mixin
`nn.module_state.StateMethods`): the methods Module takes from its mixins still answer to
their torch names, as before the split."""

from __future__ import annotations

import pickle

import pytest

from tinygrad_dl import nn


@pytest.mark.parametrize("call, words", [
    (lambda m: m.state_dict(foo=1), "Module.state_dict() got an unexpected keyword argument"),
    (lambda m: m.load_state_dict(), "Module.load_state_dict() missing 1 required positional"),
    (lambda m: m.named_parameters(foo=1), "Module.named_parameters() got an unexpected keyword"),
    (lambda m: m.register_forward_hook(), "Module.register_forward_hook() missing 1 required"),
])
def test_an_argument_error_names_module_not_its_mixin(call, words):
    # Python names the function by its __qualname__: torch's words, "Module.state_dict() got
    # an unexpected keyword argument 'foo'"; after the split it said "StateMethods.state_dict()"
    with pytest.raises(TypeError) as info:
        call(nn.Linear(2, 3))
    assert str(info.value).startswith(words), str(info.value)


def test_module_methods_keep_their_module_path():
    # pickle finds a function by __module__ and __qualname__: tinygrad_dl.nn.module's
    # Module.state_dict, the path a pickle made before the split names
    for name in ("state_dict", "load_state_dict", "named_parameters", "register_forward_hook"):
        fn = getattr(nn.Module, name)
        assert (fn.__module__, fn.__qualname__) == ("tinygrad_dl.nn.module", f"Module.{name}")
        assert pickle.loads(pickle.dumps(fn)) is fn
