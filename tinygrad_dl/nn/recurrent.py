"""PyTorch's `nn.RNN`, `nn.LSTM` and `nn.GRU` (and their one-step `nn.RNNCell`,
`nn.LSTMCell`, `nn.GRUCell`), for float inputs, as a loop of the graph's ops (per layer and
direction one Linear of all the steps' inputs, then per step a Linear of the hidden state and
the cell's gates), so their gradient is backprop through time over them.

One base class holds what the three share: the parameters under PyTorch's names
(`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, then `..._l0_reverse` when
bidirectional, then `_l1`, ...; the gates stacked in torch's order), so a torch state_dict
loads as it is; the loop over layers and directions (the reverse direction reads the steps
last to first, and its outputs are joined to the forward ones on the feature axis); dropout on
the outputs of every layer but the last, in training only; the initial state hx (zeros when
None); batch_first and unbatched input. Each cell is its equations, one function each
(rnn_cell, lstm_cell, gru_cell), which RNNCell, LSTMCell and GRUCell (one step, torch's *Cell
modules, at the end) call too. The course's CharRNN (tinygrad_dl.models) takes character
indices and has its output layer; these take vectors. RNN, LSTM and GRU also take torch's
PackedSequence (nn.utils.rnn: sequences of different lengths) and return one (_packed).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..device import check_device
from ..functional import concatenate, linear, stack
from ..functional import dropout as drop
from ..random import as_rng, uniform
from ..tensor import Tensor, np_dtype
from . import init as nn_init
from .arg_checks import dropout_arg, size_arg, weight_fits
from .module import Module
from .utils.rnn import PackedSequence

State = tuple[Tensor, ...]  # (h,) for RNN and GRU, (h, c) for LSTM


# ---- the cells' equations, one home: the sequence modules and the *Cell modules call these.
# gi = x_t W_ihᵀ + b_ih (the input's part, computed for all steps at once by the modules)
def rnn_cell(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
             nonlinearity: str = "tanh") -> State:
    """h' = tanh(gi + h W_hhᵀ + b_hh) (relu with nonlinearity="relu")."""
    act = Tensor.tanh if nonlinearity == "tanh" else Tensor.relu
    return (act(gi + linear(state[0], w_hh, b_hh)),)


def lstm_cell(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """(h', c') from (h, c): the gates i, f, g, o stacked in torch's order."""
    h, c = state
    i, f, g, o = (gi + linear(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_cell(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """h' from h: the gates r, z, n stacked in torch's order, b_hn inside r's product."""
    h = state[0]
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return ((1 - z) * n + z * h,)


def add_weights(m: Module, suffix: str, d_in: int, dtype: Any, rng: Any) -> None:
    """weight_ih{suffix} (gates * hidden, d_in), weight_hh{suffix} (gates * hidden, hidden),
    then the biases if m.bias, then with an LSTM's proj_size p > 0 weight_hr{suffix} (p,
    hidden) (weight_hh then (gates * hidden, p)), in torch's order, each ~ U(-1/sqrt(hidden),
    1/sqrt(hidden))."""
    h = m.hidden_size
    bound = 1.0 / np.sqrt(h) if h else 0.0  # (a cell's hidden_size 0, torch's: empty weights)
    p = getattr(m, "proj_size", 0)
    shapes = [("weight_ih", (m.gates * h, d_in)), ("weight_hh", (m.gates * h, p or h))]
    if m.bias:
        shapes += [("bias_ih", (m.gates * h,)), ("bias_hh", (m.gates * h,))]
    if p:
        shapes.append(("weight_hr", (p, h)))
    weight_fits(type(m).__name__, (m.gates * h, d_in + (p or h)), dtype)  # (ih and hh side by side)
    for pname, shape in shapes:
        setattr(m, f"{pname}{suffix}", Tensor(uniform(shape, -bound, bound, dtype, rng, "init"),
                                              requires_grad=True))


def reset_recurrent(m: Module, rng: Any) -> None:
    """torch's reset_parameters of the recurrent layers and cells: every parameter drawn again
    from U(-1/sqrt(hidden), 1/sqrt(hidden)), in place."""
    h = m.hidden_size  # type: ignore[attr-defined]
    bound = 1.0 / np.sqrt(h) if h else 0.0
    for p in m.parameters():
        nn_init.uniform_(p, -bound, bound, rng)


def given_states(name: str, hx: Any, states: int, want: tuple[int, ...], dtype: Any,
                 want_c: tuple[int, ...] | None = None) -> list[Tensor]:
    """A given hx as `states` tensors (a pair (h, c) when states is 2), each of shape `want`
    (c of `want_c` when given: an LSTM's with projections), or one line refusing it."""
    if states == 2:
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            got = f"a {type(hx).__name__}" + (f" of {len(hx)}" if isinstance(
                hx, (tuple, list)) else "")
            raise TypeError(f"{name}: hx must be a pair (h_0, c_0), got {got}")
        given, labels = list(hx), ["hx[0] (h_0)", "hx[1] (c_0)"]
    elif isinstance(hx, tuple) and any(isinstance(h, Tensor) for h in hx):
        lstm = "LSTMCell" if name.endswith("Cell") else "LSTM"
        raise TypeError(f"{name}: hx must be one tensor, got a tuple ({lstm} takes (h_0, c_0))")
    else:
        given, labels = [hx], ["hx"]
    out = []
    for h, label, shape in zip(given, labels, (want, want_c or want)):
        if isinstance(h, (list, tuple)) and any(isinstance(v, Tensor) for v in h):
            # (np.asarray made one constant of them: a learned h_0's gradient was lost)
            raise TypeError(f"{name}: {label} is a list of tensors; join them on the graph "
                            "with tinygrad_dl.stack(...) first")
        h = h if isinstance(h, Tensor) else Tensor(np.asarray(h, dtype=dtype))
        if h.shape != shape:
            raise ValueError(f"{name}: {label} must have shape {shape}, got {h.shape}")
        out.append(h)
    return out


class _RecurrentBase(Module):
    """The loop shared by RNN, LSTM and GRU; a subclass sets `gates` (blocks of hidden_size
    rows stacked in weight_ih / weight_hh), `states` (1, or 2 for LSTM's (h, c)) and `cell`."""

    gates = 1
    states = 1
    proj_size = 0  # (PyTorch's attribute; only LSTM takes another: h of proj_size)
    _shown: dict[str, Any] = {}  # a subclass's own arguments shown by repr, with defaults

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, bias: bool,
                 batch_first: bool, dropout: float, bidirectional: bool, device: Any,
                 dtype: Any, rng: Any, proj_size: int = 0) -> None:
        super().__init__()
        name = type(self).__name__
        check_device(device, name)
        self.input_size = size_arg(name, "input_size", input_size)
        self.hidden_size = size_arg(name, "hidden_size", hidden_size)
        self.num_layers = size_arg(name, "num_layers", num_layers)
        if self.hidden_size < 1 or self.num_layers < 1:
            raise ValueError(f"{name}: hidden_size and num_layers must be at least 1, got "
                             f"{self.hidden_size} and {self.num_layers}")
        if proj_size:  # (an instance attribute only when set: the class's 0 otherwise)
            p = size_arg(name, "proj_size", proj_size)  # (an int >= 0)
            if p >= self.hidden_size:  # PyTorch's rule
                raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                                 f"proj_size={p} and hidden_size={self.hidden_size}")
            self.proj_size = p
        dropout_arg(name, dropout)
        if dropout and self.num_layers == 1:  # PyTorch's warning, word for word
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={self.num_layers}", stacklevel=3)
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.rng = as_rng(rng, name)  # the generator of the dropout masks (and the init)
        # the one given (None: the default generator, whose stream manual_seed sets), which
        # reset_parameters draws from; self.rng, the default's own NumPy generator when none
        # was given, stays the default's stream in a deepcopy or an unpickled model (an
        # unpickled one: the default stream of the process that loads it)
        self.__dict__["_rng"] = rng
        dtype = np.float64 if dtype is None else np_dtype(dtype, name)
        for k in range(self.num_layers):
            d_in = self.input_size if k == 0 else self.out_size * self.directions
            for suffix in self.suffixes:
                add_weights(self, f"_l{k}{suffix}", d_in, dtype, rng)

    @property
    def out_size(self) -> int:
        """The width of h: proj_size when an LSTM projects it, else hidden_size."""
        return self.proj_size or self.hidden_size

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """torch's: per layer and direction (layer 0 forward, layer 0 reverse, ...) its
        parameters in registration order (weight_ih, weight_hh, bias_ih, bias_hh, weight_hr)."""
        names = ("weight_ih", "weight_hh") + ("bias_ih", "bias_hh") * self.bias + (
            ("weight_hr",) if self.proj_size else ())
        return [[getattr(self, f"{n}_l{k}{s}") for n in names]
                for k in range(self.num_layers) for s in self.suffixes]

    def flatten_parameters(self) -> None:
        """torch's cuDNN weight compaction, a no-op on the CPU there too (torch scripts call it
        after moving a model, e.g. under DataParallel)."""

    def reset_parameters(self) -> None:
        reset_recurrent(self, self.__dict__.get("_rng", self.rng))

    def cell(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        raise NotImplementedError

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Any]:
        """(output, h_n) for RNN and GRU, (output, (h_n, c_n)) for LSTM; a PackedSequence
        in gives a PackedSequence out (see _packed)."""
        if isinstance(input, PackedSequence):
            return self._packed(input, hx)
        name, width = type(self).__name__, self.input_size
        x = input if isinstance(input, Tensor) else Tensor(input)
        batched, input_shape = x.ndim == 3, x.shape
        if x.ndim not in (2, 3) or x.shape[-1] != width:
            layout = "(N, L" if self.batch_first else "(L, N"
            raise ValueError(f"{name}: input must be {layout}, {width}) or unbatched "
                             f"(L, {width}), got {x.shape}")
        if not batched:
            x = x.reshape(x.shape[0], 1, width)
        elif self.batch_first:
            x = x.swapaxes(0, 1)  # time first
        steps, n = x.shape[0], x.shape[1]
        initial = self._initial(hx, n, batched, x)
        if steps == 0:  # (torch's error: no step, no final state; h0 back would be a guess)
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN, "
                               f"got input of shape {tuple(input_shape)}")
        x, finals = self._layers(x, initial, self._direction)
        if not batched:
            x = x.reshape(steps, x.shape[-1])
            finals = [f.reshape(f.shape[0], f.shape[-1]) for f in finals]
        elif self.batch_first:
            x = x.swapaxes(0, 1)
        return x, (finals[0] if self.states == 1 else tuple(finals))

    def _layers(self, x: Tensor, initial: State, direction: Any) -> tuple[Tensor, list[Tensor]]:
        """Every layer over x in each direction (`direction(x, state, suffix, reverse)` runs
        one: over padded steps or packed rows): (the last layer's outputs, the final states
        stacked as h_n (and c_n): layer 0 forward, layer 0 reverse, layer 1 forward, ...)."""
        last: list[State] = []
        for k in range(self.num_layers):
            if k and self.dropout and self.training:
                x = drop(x, self.dropout, rng=self.rng)
            outs = []
            for d, suffix in enumerate(self.suffixes):
                state = tuple(s[k * self.directions + d] for s in initial)
                out, state = direction(x, state, f"_l{k}{suffix}", d == 1)
                outs.append(out)
                last.append(state)
            x = outs[0] if len(outs) == 1 else concatenate(outs, axis=-1)
        return x, [stack([s[i] for s in last]) for i in range(self.states)]

    def _direction(self, x: Tensor, state: State, suffix: str, reverse: bool
                   ) -> tuple[Tensor, State]:
        """One layer in one direction over all steps: (every step's h, the last state)."""
        b_ih = getattr(self, f"bias_ih{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh{suffix}") if self.bias else None
        w_hh = getattr(self, f"weight_hh{suffix}")
        w_hr = getattr(self, f"weight_hr{suffix}") if self.proj_size else None
        inputs = linear(x, getattr(self, f"weight_ih{suffix}"), b_ih)  # every step at once
        hs = []
        for t in (reversed(range(x.shape[0])) if reverse else range(x.shape[0])):
            state = self._step(inputs[t], state, w_hh, b_hh, w_hr)
            hs.append(state[0])
        if reverse:
            hs.reverse()  # the outputs in time order
        return (stack(hs) if hs else inputs[:0, :, :self.out_size]), state

    def _step(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
              w_hr: Tensor | None) -> State:
        state = self.cell(gi, state, w_hh, b_hh)
        if w_hr is not None:  # LSTM's projection: h_t = h_t W_hrᵀ, c_t as it is
            state = (linear(state[0], w_hr), state[1])
        return state

    def _packed(self, seq: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """torch's RNN on a PackedSequence: the same loop over layers and directions on the
        packed rows (step t of the batch_sizes[t] longest sequences), hx and h_n in the
        batch's own order (sorted_indices permutes hx, unsorted_indices h_n), h_n each
        sequence's state after ITS last step (the reverse direction: after its step 0)."""
        name, x = type(self).__name__, seq.data
        if x.ndim != 2 or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: a PackedSequence's data must be (sum of lengths, "
                             f"{self.input_size}), got {x.shape}")
        sizes = [int(b) for b in seq.batch_sizes.data]
        if not sizes:  # (torch's error, as for an input of no step)
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN, "
                               "got a PackedSequence of no step")
        initial = self._initial(hx, sizes[0], True, x)
        if seq.sorted_indices is not None:  # (hx in the batch's order, the rows longest first)
            initial = tuple(s[:, seq.sorted_indices.data] for s in initial)
        x, finals = self._layers(x, initial, lambda x, state, suffix, reverse:
                                 self._packed_direction(x, sizes, state, suffix, reverse))
        if seq.unsorted_indices is not None:
            finals = [f[:, seq.unsorted_indices.data] for f in finals]
        return (PackedSequence(x, *seq[1:]),
                finals[0] if self.states == 1 else tuple(finals))

    def _packed_direction(self, x: Tensor, sizes: list[int], state: State, suffix: str,
                          reverse: bool) -> tuple[Tensor, State]:
        """One layer in one direction over packed rows: (the outputs' rows, each sequence's
        last state). Forward, a sequence's rows leave the state when it ends (kept for h_n);
        reverse, they join it, from the initial state, at its last step."""
        b_ih = getattr(self, f"bias_ih{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh{suffix}") if self.bias else None
        w_hh = getattr(self, f"weight_hh{suffix}")
        w_hr = getattr(self, f"weight_hr{suffix}") if self.proj_size else None
        inputs = linear(x, getattr(self, f"weight_ih{suffix}"), b_ih)  # every row at once
        starts = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        hs: list[Tensor] = [inputs] * len(sizes)
        if not reverse:
            ended: list[State] = []  # (the states of the sequences that ended, shortest first)
            for t, b in enumerate(sizes):
                if b < state[0].shape[0]:
                    ended.append(tuple(s[b:] for s in state))
                    state = tuple(s[:b] for s in state)
                state = self._step(inputs[starts[t]:starts[t + 1]], state, w_hh, b_hh, w_hr)
                hs[t] = state[0]
            if ended:
                state = tuple(concatenate([state[i]] + [e[i] for e in reversed(ended)])
                              for i in range(len(state)))
        else:
            first = state
            state = tuple(s[:sizes[-1]] for s in first)
            for t in reversed(range(len(sizes))):
                if sizes[t] > state[0].shape[0]:  # (sequences whose last step is t join)
                    state = tuple(concatenate([s, f[s.shape[0]:sizes[t]]])
                                  for s, f in zip(state, first))
                state = self._step(inputs[starts[t]:starts[t + 1]], state, w_hh, b_hh, w_hr)
                hs[t] = state[0]
        return (hs[0] if len(hs) == 1 else concatenate(hs)), state

    def _initial(self, hx: Any, n: int, batched: bool, x: Tensor) -> State:
        """hx as `states` tensors of (num_layers * directions, N, width), zeros when None,
        in x's dtype; the width is out_size for h, hidden_size for an LSTM's c."""
        name, layers = type(self).__name__, self.num_layers * self.directions
        widths = (self.out_size, self.hidden_size)[:self.states]
        if hx is None:  # (Tensor.zeros: a constant of the step's code, which jit may keep)
            return tuple(Tensor.zeros(layers, n, w, dtype=x.dtype) for w in widths)
        want = [(layers, n, w) if batched else (layers, w) for w in widths]
        return tuple(h if batched else h.reshape(layers, 1, w) for h, w in zip(
            given_states(name, hx, self.states, want[0], x.dtype, want[-1]), widths))

    def extra_repr(self) -> str:
        shown = {"proj_size": 0, "num_layers": 1, **self._shown, "bias": True,
                 "batch_first": False,
                 "dropout": 0.0, "bidirectional": False}
        extra = "".join(f", {k}={getattr(self, k)!r}" for k, v in shown.items()
                        if getattr(self, k) != v)
        return f"{self.input_size}, {self.hidden_size}{extra}"


class RNN(_RecurrentBase):
    """`RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)`: called on input (L, N, input_size)
    ((N, L, input_size) with batch_first, (L, input_size) unbatched) and an optional initial
    state hx (num_layers * D, N, hidden_size), D = 2 if bidirectional else 1, returns
    (output, h_n): every step's last-layer state (L, N, D * hidden_size) and each layer's and
    direction's last state. Weights ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), PyTorch's
    init (`rng=` as the other layers, also the dropout masks' generator). The cell:

        h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)    (relu with nonlinearity="relu")
    """

    _shown = {"nonlinearity": "tanh"}

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None, *, rng: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype, rng)
        self.nonlinearity = nonlinearity

    def cell(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return rnn_cell(gi, state, w_hh, b_hh, self.nonlinearity)


class LSTM(_RecurrentBase):
    """`LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0)`: as RNN, but the state is a pair: hx = (h_0, c_0), each
    (num_layers * D, N, hidden_size), or None, and it returns (output, (h_n, c_n)). The gates
    are stacked i, f, g, o in weight_ih (4 hidden_size, in), weight_hh and the biases, as in
    PyTorch. The cell:

        i, f, g, o = split(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh, 4)
        c_t = σ(f) * c_{t-1} + σ(i) * tanh(g)
        h_t = σ(o) * tanh(c_t)

    With `proj_size=p` (0 < p < hidden_size), PyTorch's LSTM with projections: h_t = (σ(o) *
    tanh(c_t)) W_hrᵀ, of size p, by `weight_hr_l{k}` (p, hidden_size) per layer and direction;
    weight_hh is then (4 hidden_size, p), a layer's input D * p wide, h_0 and h_n
    (num_layers * D, N, p) and the output (L, N, D * p), while c stays hidden_size wide.
    """

    gates, states = 4, 2

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype, rng, proj_size)

    cell = staticmethod(lstm_cell)


class GRU(_RecurrentBase):
    """`GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)`: as RNN (hx and h_n alike), with the gates stacked r, z, n in
    weight_ih (3 hidden_size, in), weight_hh and the biases, as in PyTorch. The cell, PyTorch's
    formula (b_hn inside the reset gate's product):

        r = σ(x_t W_irᵀ + b_ir + h_{t-1} W_hrᵀ + b_hr)
        z = σ(x_t W_izᵀ + b_iz + h_{t-1} W_hzᵀ + b_hz)
        n = tanh(x_t W_inᵀ + b_in + r * (h_{t-1} W_hnᵀ + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}
    """

    gates = 3

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None, *,
                 rng: Any = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype, rng)

    cell = staticmethod(gru_cell)


class _CellBase(Module):
    """One step of RNN, LSTM or GRU: PyTorch's RNNCell, LSTMCell and GRUCell. The parameters
    weight_ih (gates * hidden_size, input_size), weight_hh (gates * hidden_size, hidden_size),
    bias_ih and bias_hh, initialised as the sequence modules' (a torch state_dict loads), and
    the same equations (rnn_cell, lstm_cell, gru_cell) the sequence modules run per step."""

    gates = 1
    states = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool, device: Any, dtype: Any,
                 rng: Any) -> None:
        super().__init__()
        name = type(self).__name__
        check_device(device, name)
        self.input_size = size_arg(name, "input_size", input_size)
        self.hidden_size = size_arg(name, "hidden_size", hidden_size)  # (0: torch's, empty)
        self.bias = bool(bias)
        dtype = np.float64 if dtype is None else np_dtype(dtype, name)
        add_weights(self, "", self.input_size, dtype, as_rng(rng, name))
        self.__dict__["_rng"] = rng  # (reset_parameters draws from it again)

    def reset_parameters(self) -> None:
        reset_recurrent(self, self.__dict__.get("_rng"))

    def cell(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        raise NotImplementedError

    def forward(self, input: Any, hx: Any = None) -> Any:
        """h' (RNNCell, GRUCell) or (h', c') (LSTMCell), of (N, hidden_size), or (hidden_size,)
        for an unbatched input (input_size,); hx None is zeros."""
        name, width, h = type(self).__name__, self.input_size, self.hidden_size
        x = input if isinstance(input, Tensor) else Tensor(input)
        if x.ndim not in (1, 2) or x.shape[-1] != width:
            raise ValueError(f"{name}: input must be (N, {width}) or unbatched ({width},), got "
                             f"{x.shape}")
        batched = x.ndim == 2
        want = (x.shape[0], h) if batched else (h,)
        if hx is None:
            state: State = (Tensor.zeros(*want, dtype=x.dtype),) * self.states
        else:
            state = tuple(given_states(name, hx, self.states, want, x.dtype))
        gi = linear(x, self.weight_ih, self.bias_ih if self.bias else None)
        out = self.cell(gi, state, self.weight_hh, self.bias_hh if self.bias else None)
        return out[0] if self.states == 1 else out

    def extra_repr(self) -> str:  # torch's: nonlinearity unquoted
        nl = getattr(self, "nonlinearity", "tanh")
        return (f"{self.input_size}, {self.hidden_size}" + ", bias=False" * (not self.bias)
                + (f", nonlinearity={nl}" if nl != "tanh" else ""))


class RNNCell(_CellBase):
    """`RNNCell(input_size, hidden_size, bias=True, nonlinearity="tanh")`: one step of RNN,
    called on input (N, input_size) or (input_size,) and hx of (N, hidden_size) or
    (hidden_size,) (zeros when None), returns h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None, *,
                 rng: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, device, dtype, rng)
        self.nonlinearity = nonlinearity

    def cell(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return rnn_cell(gi, state, w_hh, b_hh, self.nonlinearity)


class LSTMCell(_CellBase):
    """`LSTMCell(input_size, hidden_size, bias=True)`: one step of LSTM; hx = (h, c) or None,
    returns (h', c'). The gates i, f, g, o stacked as in LSTM."""

    gates, states = 4, 2

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype, rng)

    cell = staticmethod(lstm_cell)


class GRUCell(_CellBase):
    """`GRUCell(input_size, hidden_size, bias=True)`: one step of GRU, returns h'. The gates
    r, z, n stacked as in GRU."""

    gates = 3

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype, rng)

    cell = staticmethod(gru_cell)


# torch's public base classes (isinstance(nn.LSTM(...), nn.RNNBase), and the cells'
# nn.RNNCellBase): the shared bases above, under torch's names
RNNBase = _RecurrentBase
RNNCellBase = _CellBase
