"""Review of the optimizer / padding / BatchNorm3d / resume leftovers: a loaded optimizer state
lacking a key (exp_avg without step: a KeyError in step(); step without exp_avg: the count
silently restarted) or holding a number as a buffer (never updated) loaded; a forged training
state's saved data path reached an unguarded is_dir() ("cannot write /x/aaa..." or two lines);
Reflection/ReplicationPad refused negative widths torch crops by; BatchNorm3d's output was not
C-contiguous (`.view()` warned and copied where torch views)."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
from test_cli_optim_leftovers_changes_review import (  # noqa: F401
    _interrupted,
    _resume,
    forge_run,
    no_env,
)
from test_data import make_fake_cifar

from tinygrad_dl import Tensor, nn, optim

torch = pytest.importorskip("torch")

CFG = {"Adagrad": {}, "Adam": {"amsgrad": True}, "AdamW": {}, "RMSprop": {"momentum": 0.5},
       "Adadelta": {}, "Adamax": {}, "NAdam": {}, "RAdam": {}, "Rprop": {}, "ASGD": {}}


def _stepped(name):
    p = Tensor(np.ones(3), requires_grad=True)
    o = getattr(optim, name)([p], **CFG[name])
    p.grad = np.full(3, 0.5)
    o.step()
    return o.state_dict()


@pytest.mark.parametrize("name", sorted(CFG))
def test_a_state_lacking_a_key_is_refused_at_load_naming_it(name):
    sd = _stepped(name)
    for key in getattr(optim, name).state_keys:
        partial = {k: v for k, v in sd["state"][0].items() if k != key}
        o = getattr(optim, name)([Tensor(np.ones(3), requires_grad=True)], **CFG[name])
        with pytest.raises(ValueError) as e:  # (was: a KeyError in step(), or a silent restart)
            o.load_state_dict({**sd, "state": [partial]})
        msg = str(e.value)
        assert "\n" not in msg and msg.startswith(f"{name}.load_state_dict: parameter 0's")
        assert f"lacks {key!r}" in msg
        assert o.state == [{}]  # (nothing changed)


@pytest.mark.parametrize("name", sorted(CFG))
def test_a_number_as_a_buffer_is_refused_at_load(name):
    sd = _stepped(name)
    for key in sorted(getattr(optim, name).state_arrays & sd["state"][0].keys()):
        o = getattr(optim, name)([Tensor(np.ones(3), requires_grad=True)], **CFG[name])
        with pytest.raises(ValueError, match=f"state {key!r} must be an array shaped as the "
                                             "parameter, got float 0.5"):
            o.load_state_dict({**sd, "state": [{**sd["state"][0], key: 0.5}]})


def test_torch_refuses_a_missing_step_too_and_an_empty_state_starts_anew():
    p = torch.nn.Parameter(torch.ones(3))
    o = torch.optim.Adam([p])
    p.grad = torch.ones(3)
    o.step()
    sd = o.state_dict()
    del sd["state"][0]["step"]
    with pytest.raises(KeyError):
        torch.optim.Adam([p]).load_state_dict(sd)
    sd = _stepped("Adam")
    ours = optim.Adam([Tensor(np.ones(3), requires_grad=True)], amsgrad=True)
    ours.load_state_dict({**sd, "state": [{}]})
    assert ours.state == [{}]


def test_an_old_rmsprop_state_without_step_still_loads_with_its_warning():
    o = optim.RMSprop([Tensor(np.ones(3), requires_grad=True)])
    sd = {**o.state_dict(), "state": [{"v": np.full(3, 0.1)}]}
    with pytest.warns(UserWarning, match="counts from this load"):
        o.load_state_dict(sd)
    with pytest.raises(ValueError, match="lacks 'step'"):  # (the new names always had it)
        o.load_state_dict({**sd, "state": [{"square_avg": np.full(3, 0.1)}]})


@pytest.mark.parametrize("forged", ["/x/" + "a" * 100_000, "/gone\nsecond line\x00"],
                         ids=["huge", "newline-nul"])
def test_a_forged_saved_data_path_is_refused_in_one_short_line(tmp_path, no_env, capsys,  # noqa: F811
                                                                forged):
    cache = tmp_path / "xdg" / "tinygrad_dl" / "cifar-10-batches-py"
    make_fake_cifar(cache)
    out = tmp_path / "run"
    _interrupted(out)
    shutil.rmtree(cache)
    forge_run(out, data=forged)
    assert _resume(out) == 2  # (was: 1, "cannot write /x/aaa..." 100 KB; or two lines)
    r = capsys.readouterr()
    assert r.out == "" and r.err.count("\n") == 1 and len(r.err) < 600
    assert "the CIFAR-10 folder it trained on" in r.err and "\x00" not in r.err


PADS = [(name, pads, shape) for name, cases in {
    "ReflectionPad1d": [(-1, (2, 3, 5)), ((-2, 3), (3, 6)), ((1, -3), (2, 2, 5))],
    "ReplicationPad1d": [(-2, (2, 3, 6)), ((-1, 4), (2, 3, 2))],
    "ReflectionPad2d": [(-1, (2, 3, 4, 5)), ((-1, 2, 0, -2), (3, 4, 5))],
    "ReplicationPad2d": [((2, -1, -2, 3), (2, 3, 4, 5)), (-1, (3, 4, 5))],
    "ReflectionPad3d": [((-1, 2, 1, -1, 0, -2), (2, 3, 4, 5, 6)), (-1, (3, 4, 5, 6))],
    "ReplicationPad3d": [((3, -1, -2, 1, 2, 0), (2, 3, 4, 5, 6)), (-1, (2, 4, 5, 6))],
}.items() for pads, shape in cases]


@pytest.mark.parametrize(("name", "pads", "shape"), PADS)
def test_reflection_and_replication_pads_crop_at_negative_widths_as_torch(name, pads, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    tx = torch.tensor(x, requires_grad=True)
    ty = getattr(torch.nn, name)(pads)(tx)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ours = getattr(nn, name)(pads)  # (was: "padding must be >= 0" at construction)
    xt = Tensor(x, requires_grad=True)
    y = ours(xt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=0)
    (y * Tensor(g)).sum().backward()
    np.testing.assert_allclose(np.asarray(xt.grad), tx.grad.numpy(), rtol=1e-10, atol=0)
    assert repr(ours) == repr(getattr(torch.nn, name)(pads))


def test_a_pad_tuple_of_another_length_is_one_line_where_torch_pads_other_axes():
    # torch hands (1, 1) to F.pad: ReflectionPad2d((1, 1)) pads only W of a (C, H, W) input
    assert tuple(torch.nn.ReflectionPad2d((1, 1))(torch.ones(2, 3, 4)).shape) == (2, 3, 6)
    with pytest.raises(ValueError, match=r"^ReflectionPad2d: padding must be an integer or "
                                         r"\(left, right, top, bottom\) integers, got \(1, 1\)$"):
        nn.ReflectionPad2d((1, 1))


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm3d_output_is_contiguous_and_views_as_torch(train):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5, 6))
    for m in (nn.BatchNorm3d(3), nn.SyncBatchNorm(3)):
        m.train(train)
        y = m(Tensor(x))
        assert y.data.flags["C_CONTIGUOUS"]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (was: "cannot be viewed ... returned a copy")
            v = y.view(2, -1)
        v.data[0, 0] = 7.0
        assert y.data[0, 0, 0, 0, 0] == 7.0  # a view: the write reaches y, as torch's
    assert torch.nn.BatchNorm3d(3)(torch.tensor(x).float()).is_contiguous()
