"""What the benchmark runs on: the CPU, NumPy's BLAS and its thread count, optional torch."""

from __future__ import annotations

import ctypes
import os
import platform
from typing import Any

import numpy as np

# OpenBLAS builds name their thread getter differently (NumPy wheels use the scipy_ prefix)
_GETTERS = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
            "openblas_get_num_threads", "mkl_get_max_threads", "bli_thread_get_num_threads")


def _loaded_libs() -> list[str]:
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if ".so" in line}
    except OSError:
        return []
    return sorted(p for p in paths if any(k in p.lower() for k in ("blas", "mkl", "blis")))


def blas_info() -> tuple[int, str]:
    """(threads NumPy's BLAS uses, a short description of the library)."""
    np.dot(np.ones((2, 2)), np.ones((2, 2)))  # make sure the library is loaded
    try:  # threadpoolctl, where installed, knows every vendor
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                return int(info["num_threads"]), f"{info['internal_api']} {info['version']}"
    except ImportError:
        pass
    for path in _loaded_libs():
        lib = ctypes.CDLL(path)
        for name in _GETTERS:
            if hasattr(lib, name):
                return int(getattr(lib, name)()), os.path.basename(path).split("-")[0]
    env = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    return int(env or os.cpu_count() or 1), "an unidentified BLAS"


def set_blas_threads(n: int) -> None:
    """Limit NumPy's BLAS to n threads for the rest of the process."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n, user_api="blas")
        return
    except ImportError:
        pass
    for path in _loaded_libs():
        lib = ctypes.CDLL(path)
        for name in _GETTERS:
            setter = name.replace("get_num_threads", "set_num_threads").replace(
                "get_max_threads", "set_num_threads")
            if hasattr(lib, setter):
                getattr(lib, setter)(int(n))
                return
    raise RuntimeError("cannot set the BLAS thread count: install threadpoolctl")


def steady_malloc() -> bool:
    """Keep freed memory in the process (glibc: no heap trimming, no mmap for arrays under
    32 MiB), so that a freed 240 KB temporary is not handed back to the OS and page-faulted in
    again on the next step. Which path pays those faults depends on the heap's layout, not on
    the code: up to 25% swings between runs. Returns False where there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    return bool(libc.mallopt(m_trim_threshold, 1 << 30) and
                libc.mallopt(m_mmap_threshold, 32 << 20))


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def torch_or_none() -> Any:
    """The torch module if it is installed (an optional comparison, never a dependency)."""
    try:
        import torch
    except ImportError:
        return None
    return torch
