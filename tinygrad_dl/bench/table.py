"""The benchmark's one table: rows, ratios (ours over each reference, as time ratios; over
the GEMM floor where the row has one), targets, and plain-text or markdown formatting."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Row:
    """One line of the table. `ours`, `hand`, `torch`, `floor` are in `unit`; ratios are time
    ratios (ours over the reference: below 1 means ours is faster), whatever the unit. `floor`
    is the time of the same epoch's large matrix products alone (the GEMM floor): ours÷floor
    says how many times that floor the row takes."""

    name: str
    dtype: str
    unit: str
    ours: float | None
    hand: float | None = None
    torch: float | None = None
    higher_is_better: bool = False  # throughput units (updates/s)
    max_vs_hand: float | None = None  # targets on the time ratios
    max_vs_torch: float | None = None
    note: str = ""
    floor: float | None = None
    max_vs_floor: float | None = None

    def _ratio(self, ref: float | None) -> float | None:
        if self.ours is None or ref is None or self.ours <= 0 or ref <= 0:
            return None
        return ref / self.ours if self.higher_is_better else self.ours / ref

    @property
    def vs_hand(self) -> float | None:
        return self._ratio(self.hand)

    @property
    def vs_torch(self) -> float | None:
        return self._ratio(self.torch)

    @property
    def vs_floor(self) -> float | None:
        return self._ratio(self.floor)

    def target_text(self) -> str:
        parts = []
        for label, ratio, limit in (("hand", self.vs_hand, self.max_vs_hand),
                                    ("torch", self.vs_torch, self.max_vs_torch),
                                    ("floor", self.vs_floor, self.max_vs_floor)):
            if limit is not None and ratio is not None:
                parts.append(f"{label} ≤{limit:.2f} {'met' if ratio <= limit else 'MISSED'}")
        return ", ".join(parts)


@dataclass
class Result:
    rows: list[Row]
    header: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    if v == 0 or abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}" if abs(v) >= 0.01 else f"{v:.2e}"


def _ratio(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


COLUMNS = ["benchmark", "dtype", "ours÷hand", "ours÷torch", "ours÷floor", "ours", "hand NumPy",
           "PyTorch", "unit", "target", "note"]
_RIGHT = range(2, 9)  # the numbers and the unit are right-aligned


def format_table(result: Result, markdown: bool = False) -> str:
    """The one table: ratios first (time ratios, below 1 = ours faster), then raw numbers."""
    cells = [[r.name, r.dtype, _ratio(r.vs_hand), _ratio(r.vs_torch), _ratio(r.vs_floor),
              _fmt(r.ours), _fmt(r.hand), _fmt(r.torch), r.unit, r.target_text(), r.note]
             for r in result.rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |",
                 "|" + "|".join("--:" if i in _RIGHT else "---" for i in range(len(COLUMNS)))
                 + "|"]
        lines += ["| " + " | ".join(c) + " |" for c in cells]
        head = [f"- {h}" for h in result.header]
        return "\n".join(head + [""] + lines)
    widths = [max(len(COLUMNS[i]), *(len(c[i]) for c in cells)) for i in range(len(COLUMNS))]

    def line(c: list[str]) -> str:
        return "  ".join(s.rjust(w) if i in _RIGHT else s.ljust(w)
                         for i, (s, w) in enumerate(zip(c, widths))).rstrip()

    out = list(result.header) + ["", line(COLUMNS), line(["-" * w for w in widths])]
    return "\n".join(out + [line(c) for c in cells])
