"""The course's learning-rate schedules: callables `update step -> eta` (train.fit scales every
group by its ratio to group 0). PyTorch-style schedulers that set an optimizer's rates are in
lr_scheduler.py."""

from __future__ import annotations

from .optimizer import check_lr


class ConstantLR:
    """eta_t = eta for every update step t."""

    def __init__(self, eta: float) -> None:
        check_lr(eta, "ConstantLR")
        self.eta = float(eta)

    def __call__(self, t: int) -> float:
        return self.eta

    def __repr__(self) -> str:
        return f"ConstantLR({self.eta})"


class CyclicLR:
    """The course's triangular cyclical learning rate (Smith 2015).

    eta rises linearly from eta_min at t = 2 l n_s to eta_max at t = (2 l + 1) n_s, then falls
    back to eta_min at t = 2 (l + 1) n_s. One cycle is 2 n_s update steps.
    Computed as eta_min + frac (eta_max - eta_min), frac = pos / n_s rising and 2 - pos / n_s
    falling (pos = t mod 2 n_s): exact at the ends of each half cycle, elsewhere within about
    n_s * 2.2e-16 relative of the exact rate (5e-13 at the course's n_s = 2250), as the course's
    eta_max - (t - (2 l + 1) n_s) / n_s (eta_max - eta_min) is: both lose digits to a
    cancellation near the end of a falling half.
    """

    def __init__(self, eta_min: float, eta_max: float, n_s: int) -> None:
        check_lr(eta_min, "CyclicLR eta_min")
        check_lr(eta_max, "CyclicLR eta_max")
        if eta_min > eta_max:
            raise ValueError(f"CyclicLR: eta_min={eta_min} must be <= eta_max={eta_max}")
        if int(n_s) != n_s or n_s < 1:
            raise ValueError(f"CyclicLR: n_s must be a positive integer, got {n_s}")
        self.eta_min, self.eta_max, self.n_s = float(eta_min), float(eta_max), int(n_s)

    @property
    def cycle_length(self) -> int:
        return 2 * self.n_s

    def __call__(self, t: int) -> float:
        if t < 0:
            raise ValueError(f"CyclicLR: step must be >= 0, got {t}")
        pos = t % (2 * self.n_s)
        frac = pos / self.n_s if pos <= self.n_s else 2.0 - pos / self.n_s
        return self.eta_min + frac * (self.eta_max - self.eta_min)

    def __repr__(self) -> str:
        return f"CyclicLR(eta_min={self.eta_min}, eta_max={self.eta_max}, n_s={self.n_s})"
