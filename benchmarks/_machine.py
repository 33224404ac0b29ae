"""The machine line every benchmark prints: CPU model, cores, AVX-512."""

from __future__ import annotations

import os
import platform


def machine() -> str:
    """CPU model, core count and whether it has AVX-512 (Linux; platform elsewhere)."""
    model, avx512 = platform.processor() or platform.machine(), False
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    avx512 = avx512 or "avx512f" in line.split()
    except OSError:
        pass
    return f"machine: {model}, {os.cpu_count()} cores, AVX-512 {'yes' if avx512 else 'no'}"
