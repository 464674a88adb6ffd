"""nn.Module's state-dict hooks, PyTorch's: `register_state_dict_pre_hook`,
`register_state_dict_post_hook`, `register_load_state_dict_pre_hook` and
`register_load_state_dict_post_hook`, each returning a handle whose `remove()` unregisters it.

state_dict and load_state_dict here walk the whole tree at once (not module by module, as
torch's recursion does), so the hooks run in torch's order around that walk: every pre-hook
first, in the tree's order (a module before its children), then the entries are gathered or
loaded, then the post-hooks, children before their parent. What differs from torch: a hook
sees the whole state dict (torch gives a child's load pre-hook only its own keys) and
`local_metadata` is `{}` (this state dict carries no version numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..tensor_hooks import RemovableHandle

Hooked = list[tuple[str, Any, "StateHooks"]]


class StateHooks:
    """One module's state-dict hooks by kind: handle id -> function, in registration order."""

    __slots__ = ("save_pre", "save_post", "load_pre", "load_post")

    def __init__(self) -> None:
        self.save_pre: dict[int, Callable[..., Any]] = {}
        self.save_post: dict[int, Callable[..., Any]] = {}
        self.load_pre: dict[int, Callable[..., Any]] = {}
        self.load_post: dict[int, Callable[..., Any]] = {}


class StateHookMethods:
    """The registration methods (a mixin of Module, through module_state.StateMethods)."""

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(module, prefix, keep_vars)` before state_dict gathers anything."""
        return _register(self, "save_pre", "register_state_dict_pre_hook", hook)

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(module, state_dict, prefix, local_metadata)`, returning None: it may change
        the state dict in place."""
        return _register(self, "save_post", "register_state_dict_post_hook", hook)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)` before anything is loaded: it may rename or convert
        entries of (a copy of) the state dict in place; a message it appends to error_msgs
        refuses the load."""
        return _register(self, "load_pre", "register_load_state_dict_pre_hook", hook)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(module, incompatible_keys)`, returning None, after the load: it may remove
        keys from `incompatible_keys.missing_keys` / `unexpected_keys` in place (a strict load
        refuses only what is left)."""
        return _register(self, "load_post", "register_load_state_dict_post_hook", hook)


def _register(m: Any, kind: str, who: str, hook: Any) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"{type(m).__name__}.{who}: the hook must be callable, got "
                        f"{type(hook).__name__}")
    hooks = m.__dict__.get("_state_hooks")
    if hooks is None:
        hooks = m.__dict__["_state_hooks"] = StateHooks()
    table = getattr(hooks, kind)
    handle = RemovableHandle(table)
    table[handle.id] = hook
    return handle


def hooked_modules(mods: list[tuple[str, Any]]) -> Hooked:
    """(name, module, hooks) of each module of the tree (`mods`: its named_modules()) that has
    state-dict hooks, in the tree's order (a module before its children); usually empty."""
    return [(name, m, h) for name, m in mods
            if (h := m.__dict__.get("_state_hooks")) is not None]


def _prefix(prefix: str, name: str) -> str:
    return prefix + (name + "." if name else "")


def _children_first(hooked: Hooked) -> Hooked:
    """`hooked` (tree order) reordered so each module comes after the modules under it."""
    out: Hooked = []
    open_: Hooked = []
    for entry in hooked:
        while open_ and not (open_[-1][0] == "" or entry[0].startswith(open_[-1][0] + ".")):
            out.append(open_.pop())
        open_.append(entry)
    return out + open_[::-1]


def run_save(hooked: Hooked, kind: str, prefix: str, arg: Any) -> None:
    """state_dict's pre-hooks (arg: keep_vars) or post-hooks (arg: the state dict)."""
    for name, m, h in hooked if kind == "save_pre" else _children_first(hooked):
        for fn in list(getattr(h, kind).values()):
            if kind == "save_pre":
                fn(m, _prefix(prefix, name), arg)
            elif fn(m, arg, _prefix(prefix, name), {}) is not None:
                raise RuntimeError(f"{type(m).__name__} state_dict post-hook {_name(fn)} "
                                   "returned a value: it must return None (change the state "
                                   "dict in place)")


def run_load_pre(who: str, hooked: Hooked, state: Mapping[str, Any], strict: bool
                 ) -> tuple[Mapping[str, Any], tuple[list[str], list[str]]]:
    """Run the load pre-hooks on a copy of `state`; the copy and the (missing, unexpected)
    keys they added. A message a hook appended to error_msgs refuses the load."""
    if not any(h.load_pre for _, _, h in hooked):
        return state, ([], [])
    state = dict(state)
    missing: list[str] = []
    unexpected: list[str] = []
    errors: list[str] = []
    for name, m, h in hooked:
        for fn in list(h.load_pre.values()):
            fn(m, state, _prefix("", name), {}, strict, missing, unexpected, errors)
    if errors:
        raise ValueError(f"{who}: refused by a load_state_dict pre-hook: " + "; ".join(
            str(e).strip() for e in errors))
    return state, (missing, unexpected)


def run_load_post(hooked: Hooked, keys: Any) -> None:
    """The load post-hooks, children before their parent, on the result's lists."""
    for _, m, h in _children_first(hooked):
        for fn in list(h.load_post.values()):
            if fn(m, keys) is not None:
                raise RuntimeError(f"{type(m).__name__} load_state_dict post-hook {_name(fn)} "
                                   "returned a value: it must return None (change "
                                   "incompatible_keys' lists in place)")


def _name(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__
