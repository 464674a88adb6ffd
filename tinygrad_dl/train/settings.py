"""The settings a run actually used, for result.json and the checkpoint: the course defaults
updated by the user's flags, minus every key that did not apply (a cyclical run has no single
`eta`; its length came from `cycles` or from `epochs`, not both; the embedded sample has no
`split`/`val_size`; `std` only matters for a Gaussian init, `momentum` only for SGD), and with
the values the run derived filled in (n_s, eval_every)."""

from __future__ import annotations

from typing import Any

from tinygrad_dl.models import CourseModel, Loop

__all__ = ["ran_settings"]


def ran_settings(cls: type[CourseModel], p: dict[str, Any], given: dict[str, Any],
                 final: dict[str, Any], *, embedded: bool) -> dict[str, Any]:
    """`p` (resolved params, with derived values filled in) without what did not apply.
    `given` are the user's params; `final` the run's final numbers (n_updates, epochs)."""
    drop: set[str] = {k for k, v in p.items() if v is None}  # unset = not used
    if cls.loop is Loop.MINIBATCH:
        if p["schedule"] == "constant":
            drop |= {"cycles", "eta_min", "eta_max", "n_s"}
        else:
            drop.add("eta")
            # the length came from the cycles unless epochs or n_updates were given
            drop.add("cycles" if ("epochs" in given or "n_updates" in given) else "epochs")
        if "n_updates" in given:
            drop.add("epochs")
        if embedded:
            drop |= {"split", "val_size"}
        elif p.get("split") == "batch1":
            drop.add("val_size")
        if p.get("init") != "gaussian":
            drop.add("std")
        if p.get("optimizer") != "sgd":
            drop.add("momentum")
    elif "epochs" in given and "n_updates" not in given:
        drop.add("n_updates")
    return {k: v for k, v in p.items() if k not in drop}
