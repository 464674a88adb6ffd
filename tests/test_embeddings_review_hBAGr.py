"""Second review (hBAGr) of the embeddings' given tables (torch's `_weight`, `from_pretrained`):
the table is shared, as torch's Parameter shares the tensor's storage, so every write through
the module must reach it (and a second module given the same table) and every write into it
must reach the module; against torch 2.13 with seeded tables, options and optimizers."""

from __future__ import annotations

import copy
import pickle
from contextlib import nullcontext

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.optim as O
from tinygrad_dl import Tensor, nn
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")

W = np.random.default_rng(0).standard_normal((5, 3))


def _made(how: str, table, **kw):
    """An embedding given `table` by each of the four spellings (frozen=False)."""
    if how == "Embedding(_weight)":
        return nn.Embedding(*W.shape, _weight=table, **kw)
    if how == "Embedding.from_pretrained":
        return nn.Embedding.from_pretrained(table, freeze=False, **kw)
    if how == "EmbeddingBag(_weight)":
        return nn.EmbeddingBag(*W.shape, _weight=table, mode="sum", **kw)
    return nn.EmbeddingBag.from_pretrained(table, freeze=False, mode="sum", **kw)


HOWS = ["Embedding(_weight)", "Embedding.from_pretrained", "EmbeddingBag(_weight)",
        "EmbeddingBag.from_pretrained"]


# ---- the tie: a write while a live graph holds the table was a silent copy ------------------
@pytest.mark.parametrize("how", HOWS)
def test_a_write_into_the_given_tensor_during_a_graph_is_refused_not_untied(how):
    """t.add_() under no_grad while a tied matmul's graph held the table gave t a copy: the
    module kept the old values without a word (torch's write reaches the module)."""
    t = Tensor(W.copy())
    e = _made(how, t)
    y = e(np.array([[0, 1]]))
    loss = (y @ e.weight.T).sum()  # (saves the table: the graph holds its array)
    with pytest.raises(RuntimeError, match="Tensor.add_.*shares its array.*from_pretrained"):
        with tg.no_grad():
            t.add_(1.0)
    assert e.weight.data is t.data
    loss.backward()
    with tg.no_grad():
        t.add_(1.0)  # (the graph freed: the write reaches the module, as torch's)
    assert e.weight.data is t.data and np.array_equal(e.weight.data, W + 1)


@pytest.mark.parametrize("how", HOWS)
def test_a_step_while_a_graph_holds_the_table_is_refused_not_untied(how):
    """An optimizer step while a graph held the table wrote a copy into the module: the user's
    table (and a module sharing it) stayed behind silently."""
    w = W.copy()
    e = _made(how, w)
    opt = O.SGD(e.parameters(), lr=0.1)
    loss = (e(np.array([[0, 1]])) @ e.weight.T).sum()
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="SGD.step.*shares its array"):
        opt.step()
    assert e.weight.data is w and np.array_equal(w, W)  # (nothing was updated)
    del loss
    opt.step()  # (the graph dropped: the step writes the table itself)
    assert e.weight.data is w and not np.array_equal(w, W)


def test_two_modules_given_one_table_never_train_apart():
    """Two modules from one table (torch: two Parameters on one storage, both updates land in
    it): with retain_graph the first step untied them, then every number differed from torch's
    (0.6 in the weights) without a word. Refused now; without retain_graph, torch's numbers."""
    ours, theirs = [], []
    for retain in (False, True):
        tab, tt = W.copy(), torch.tensor(W)
        a, b = nn.Embedding.from_pretrained(tab, freeze=False), nn.Embedding(5, 3, _weight=tab)
        ta = torch.nn.Embedding.from_pretrained(tt, freeze=False)
        tb = torch.nn.Embedding(5, 3, _weight=tt)
        opt, topt = O.SGD([a.weight, b.weight], lr=0.1), torch.optim.SGD([ta.weight, tb.weight],
                                                                         lr=0.1)
        x = np.array([0, 1, 3])
        loss = ((a(x) @ b.weight.T) ** 2).sum()
        tloss = ((ta(torch.tensor(x)) @ tb.weight.T) ** 2).sum()
        opt.zero_grad(), topt.zero_grad()
        loss.backward(retain_graph=retain), tloss.backward(retain_graph=retain)
        topt.step()
        if retain:
            with pytest.raises(RuntimeError, match="shares its array"):
                opt.step()
            continue
        opt.step()
        ours.append(tab)
        theirs.append(tt.numpy())
        assert a.weight.data is tab and b.weight.data is tab
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-14)


# ---- dtype, dtypes, shapes: the same rules for the four spellings --------------------------
@pytest.mark.parametrize("cls", [nn.Embedding, nn.EmbeddingBag])
def test_a_dtype_other_than_the_tables_is_refused(cls):
    """Embedding(_weight=float64 table, dtype=float32) made a float32 copy without a word: the
    table no longer shared (torch ignores dtype and shares the float64 table)."""
    with pytest.raises(TypeError, match=f"{cls.__name__}: dtype=float32 differs from the given "
                                        "table's float64"):
        cls(5, 3, _weight=W.copy(), dtype=np.float32)
    w = W.astype(np.float32)
    e = cls(5, 3, _weight=w, dtype="float32")  # (the table's own dtype: shared)
    assert e.weight.data is w
    theirs = getattr(torch.nn, cls.__name__)(5, 3, _weight=torch.tensor(w), dtype=torch.float32)
    assert theirs.weight.dtype == torch.float32


@pytest.mark.parametrize("dt", [np.int64, np.int32, np.bool_, np.uint8])
def test_from_pretrained_refuses_a_non_float_table_alike(dt):
    """Embedding.from_pretrained said ValueError where EmbeddingBag's (and _weight) said
    TypeError; torch refuses a trainable one alike ("Only Tensors of floating point ...").
    (torch's frozen Embedding takes an integer table: refused here, see docs/pytorch.md.)"""
    table = np.ones((4, 3), dtype=dt)
    for make in (nn.Embedding.from_pretrained, nn.EmbeddingBag.from_pretrained,
                 lambda t: nn.Embedding(4, 3, _weight=t),
                 lambda t: nn.EmbeddingBag(4, 3, _weight=t)):
        with pytest.raises(TypeError, match="the table must hold floats"):
            make(table)
    for make in (torch.nn.EmbeddingBag.from_pretrained,
                 lambda t: torch.nn.Embedding.from_pretrained(t, freeze=False)):
        with pytest.raises(RuntimeError, match="floating point"):
            make(torch.tensor(table))
    for make in (nn.Embedding.from_pretrained, nn.EmbeddingBag.from_pretrained):
        with pytest.raises(ValueError, match="embeddings must be a 2-D float table"):
            make(np.ones(3))


# ---- sharing semantics that agreed with torch (kept) ----------------------------------------
@pytest.mark.parametrize("how", HOWS)
def test_writes_through_the_module_reach_the_table_as_torchs(how):
    """max_norm's renorm, an optimizer step and load_state_dict write the given table itself;
    deepcopy / pickle copy it; .double() keeps a float64 table and copies a float32 one."""
    w = W.copy() * 3
    e = _made(how, w, max_norm=1.0)
    e(np.array([[0, 1]]))
    np.testing.assert_allclose(np.linalg.norm(w[:2], axis=1), 1, rtol=1e-6)
    e.load_state_dict({"weight": np.zeros((5, 3))})
    assert e.weight.data is w and not w.any()
    for c in (copy.deepcopy(e), pickle.loads(pickle.dumps(e))):
        assert not np.shares_memory(c.weight.data, w)
    assert e.double().weight.data is w
    w32 = W.astype(np.float32)
    e32 = _made(how, w32).double()
    assert e32.weight.dtype == np.float64 and not np.shares_memory(e32.weight.data, w32)
    te = torch.nn.Embedding(5, 3, _weight=torch.tensor(w32)).double()
    assert te.weight.dtype == torch.float64


def test_a_read_only_table_serves_frozen_and_refuses_training_in_one_line():
    w = W.copy()
    w.setflags(write=False)
    e = nn.Embedding.from_pretrained(w)
    np.testing.assert_array_equal(e(np.array([2])).data, W[[2]])
    for cls in (nn.Embedding, nn.EmbeddingBag):
        e = cls.from_pretrained(w, freeze=False)
        opt = O.SGD(e.parameters(), lr=0.1)
        e(np.array([[0, 1]])).sum().backward()
        with pytest.raises(ValueError, match="read-only array: nothing was updated"):
            opt.step()
        with pytest.raises(ValueError, match="max_norm renormalizes weight's rows in place"):
            cls.from_pretrained(w, max_norm=0.1)(np.array([[0, 1]]))
    assert np.array_equal(w, W)


@pytest.mark.parametrize("seed", range(40))
def test_given_tables_train_as_torchs(seed):
    """Seeded: one or two modules given one table (tied), frozen or not, padding_idx (its row
    not zeroed, no gradient), max_norm, scale_grad_by_freq (Embedding's: EmbeddingBag's CPU
    kernel divides by another row's count, see docs), SGD/Adam/AdamW with weight decay: the
    losses, gradients and the user's table after each step are torch's, and stay shared."""
    r = np.random.default_rng(seed)
    n, d = int(r.integers(1, 6)), int(r.integers(1, 4))
    table = r.standard_normal((n, d)) * r.choice([0.5, 1, 3])
    how = HOWS[seed % 4]
    freeze, tied = bool(r.integers(2)), bool(r.integers(2))
    pad = None if r.integers(2) or n < 2 else int(r.integers(-n, n))
    kw = {"padding_idx": pad, "max_norm": None if r.integers(2) else float(r.choice([0.5, 2])),
          "scale_grad_by_freq": bool(r.integers(2)) and how.startswith("Embedding(")
          or how == "Embedding.from_pretrained" and bool(r.integers(2))}
    mode = str(r.choice(["sum", "mean", "max"])) if how.startswith("EmbeddingBag") else None
    if mode is not None:
        kw = {**kw, "mode": mode, "scale_grad_by_freq": False}
    w, tt = table.copy(), torch.tensor(table)

    def make(lib, tab):
        NN = nn if lib == "ours" else torch.nn
        if how == "Embedding(_weight)":
            return NN.Embedding(n, d, _weight=tab, _freeze=freeze, **kw)
        if how == "EmbeddingBag(_weight)":
            m = NN.EmbeddingBag(n, d, _weight=tab, **kw)
            m.weight.requires_grad_(not freeze)
            return m
        return getattr(NN, how.split(".")[0]).from_pretrained(tab, freeze=freeze, **kw)

    ours = [make("ours", w) for _ in range(1 + tied)]
    theirs = [make("torch", tt) for _ in range(1 + tied)]
    po = [m.weight for m in ours if m.weight.requires_grad]
    pt = [m.weight for m in theirs if m.weight.requires_grad]
    name, wd = str(r.choice(["SGD", "Adam", "AdamW"])), float(r.choice([0, 0.1]))
    opt = getattr(O, name)(po, lr=0.1, weight_decay=wd) if po else None
    topt = getattr(torch.optim, name)(pt, lr=0.1, weight_decay=wd) if pt else None
    for _ in range(3):
        x = r.integers(0, n, (int(r.integers(1, 4)), int(r.integers(1, 4))))
        g = r.standard_normal(x.shape + (d,) if mode is None else (x.shape[0], d))
        lo = sum((m(x) * Tensor(g)).sum() for m in ours)
        lt = sum((m(torch.tensor(x)) * torch.tensor(g)).sum() for m in theirs)
        np.testing.assert_allclose(lo.data, lt.item(), rtol=1e-10, atol=1e-12)
        if opt is not None:
            for p in po:
                p.grad = None
            topt.zero_grad()
            lo.backward()
            lt.backward()
            for a, b in zip(po, pt):
                np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)
            opt.step()
            topt.step()
        np.testing.assert_allclose(w, tt.numpy(), rtol=1e-10, atol=1e-12)
        assert all(m.weight.data is w for m in ours)


def test_a_view_table_trains_its_base_as_torchs():
    """A non-contiguous table (a transposed slice) is shared as a view: the step writes the
    base array, as torch's Parameter on a view writes its storage."""
    base = np.random.default_rng(3).standard_normal((3, 10))
    tbase = torch.tensor(base)
    e = nn.Embedding.from_pretrained(base.T[:5], freeze=False)
    te = torch.nn.Embedding.from_pretrained(tbase.T[:5], freeze=False)
    opt, topt = O.Adam(e.parameters(), lr=0.1), torch.optim.Adam(te.parameters(), lr=0.1)
    for x in ([0, 1, 1], [4, 2, 0]):
        (e(np.array(x)) ** 2).sum().backward()
        (te(torch.tensor(x)) ** 2).sum().backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(base, tbase.numpy(), rtol=1e-12, atol=1e-14)


def _trained(how, freeze, use_jit):
    w = W.copy()
    e = _made(how, w)
    e.weight.requires_grad_(not freeze)
    lin = nn.Linear(3, 2, rng=np.random.default_rng(1))
    opt = O.Adam([*lin.parameters(), *([] if freeze else [e.weight])], lr=0.05)

    def step(x):
        out = lin(e(x))
        (out * out).sum().backward()

    f = jit(step) if use_jit else step
    r = np.random.default_rng(2)
    with pytest.warns(RuntimeWarning) if use_jit and "Bag" in how else nullcontext():
        for i in range(5):  # (EmbeddingBag's step runs eagerly, with jit's warning)
            opt.zero_grad()
            f(r.integers(0, 5, (4, 2)))
            opt.step()
            if freeze:
                w[i] += 0.5
    assert e.weight.data is w
    return w, lin.weight.data


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("freeze", [False, True])
def test_a_jitted_step_trains_a_given_table_as_eagerly(how, freeze):
    """A jitted step over an embedding given a table: bit for bit the eager steps, the table
    still the module's (and a frozen table written by the user between steps read afresh)."""
    for a, b in zip(_trained(how, freeze, False), _trained(how, freeze, True)):
        np.testing.assert_array_equal(a, b)
