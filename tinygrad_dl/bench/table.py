"""The benchmark's one table: rows, ratios (ours over each reference, as time ratios),
targets, and plain-text or markdown formatting."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Row:
    """One line of the table. `ours`, `hand`, `torch` are in `unit`; ratios are time ratios
    (ours over the reference: below 1 means ours is faster), whatever the unit."""

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

    def target_text(self) -> str:
        parts = []
        for label, ratio, limit in (("hand", self.vs_hand, self.max_vs_hand),
                                    ("torch", self.vs_torch, self.max_vs_torch)):
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


COLUMNS = ["benchmark", "dtype", "ours÷hand", "ours÷torch", "ours", "hand NumPy", "PyTorch",
           "unit", "target", "note"]


def format_table(result: Result, markdown: bool = False) -> str:
    """The one table: ratios first (time ratios, below 1 = ours faster), then raw numbers."""
    cells = [[r.name, r.dtype,
              "—" if r.vs_hand is None else f"{r.vs_hand:.2f}",
              "—" if r.vs_torch is None else f"{r.vs_torch:.2f}",
              _fmt(r.ours), _fmt(r.hand), _fmt(r.torch), r.unit, r.target_text(), r.note]
             for r in result.rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |",
                 "|" + "|".join("---" if i < 2 or i > 7 else "--:" for i in range(len(COLUMNS)))
                 + "|"]
        lines += ["| " + " | ".join(c) + " |" for c in cells]
        head = [f"- {h}" for h in result.header]
        return "\n".join(head + [""] + lines)
    widths = [max(len(COLUMNS[i]), *(len(c[i]) for c in cells)) for i in range(len(COLUMNS))]

    def line(c: list[str]) -> str:
        return "  ".join(s.ljust(w) if i < 2 or i > 7 else s.rjust(w)
                         for i, (s, w) in enumerate(zip(c, widths))).rstrip()

    out = list(result.header) + ["", line(COLUMNS), line(["-" * w for w in widths])]
    return "\n".join(out + [line(c) for c in cells])
