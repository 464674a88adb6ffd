import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Shared, noisy machines: never time individual examples. CI keeps the suite within budget and
# is derandomized, so a red CI reproduces exactly; dev runs explore new examples every time.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# ---- data: the real CIFAR-10 subset (CI clones the repo with ../shared beside it)
@pytest.fixture(scope="session")
def cifar_dir() -> Path:
    """CIFAR-10 batches dir: $TINYGRAD_DL_TEST_CIFAR or ../shared/data/...; skips if absent."""
    env = os.environ.get("TINYGRAD_DL_TEST_CIFAR")
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar-10-batches-py"
    path = Path(env).expanduser() if env else default
    if not (path / "data_batch_1").is_file():
        pytest.skip(f"CIFAR-10 subset not found at {path} (set TINYGRAD_DL_TEST_CIFAR)")
    return path
