"""The benchmark behind `tinygrad-dl bench`: `suite` (the timed rows and `run`), `workloads`
(config, clock, data, models and their update steps), `memory` (peak memory, growth, long
chains), `table` (rows and the printed table), `env` (BLAS threads, CPU, torch), `torch_ref`
(the PyTorch reference models, used when torch is installed)."""

from .env import blas_info, cpu_name, set_blas_threads, steady_malloc, torch_or_none
from .suite import GROUPS, run
from .table import COLUMNS, Result, Row, format_table
from .workloads import CLOCKS, QUICK, Config, now, quick_config

__all__ = [
    "CLOCKS", "COLUMNS", "GROUPS", "QUICK", "Config", "Result", "Row", "blas_info", "cpu_name",
    "format_table", "now", "quick_config", "run", "set_blas_threads", "steady_malloc",
    "torch_or_none",
]
