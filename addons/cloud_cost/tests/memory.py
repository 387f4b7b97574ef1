"""How much memory a block of code takes: the peak growth of the process's resident memory (sampled)
and of Python's own allocations (tracemalloc), whichever is larger."""

import os
import threading
import time
import tracemalloc

_PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


class PeakMemory:
    """``with PeakMemory() as peak: ...``, then ``peak.growth`` in bytes."""

    def __init__(self, interval=0.005):
        self.interval = interval
        self.growth = 0

    def __enter__(self):
        self._stop = threading.Event()
        self._start = self._peak = resident_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self._tracing = not tracemalloc.is_tracing()
        if self._tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        self._python_start = tracemalloc.get_traced_memory()[0]
        return self

    def _sample(self):
        while not self._stop.is_set():
            self._peak = max(self._peak, resident_bytes())
            time.sleep(self.interval)

    def __exit__(self, *exc_info):
        python_peak = tracemalloc.get_traced_memory()[1] - self._python_start
        if self._tracing:
            tracemalloc.stop()
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, resident_bytes())
        self.resident = self._peak - self._start
        self.python = python_peak
        self.growth = max(self.resident, self.python)
        return False

    def __str__(self):
        return f"resident +{self.resident / 2**20:.0f} MB, Python allocations +{self.python / 2**20:.0f} MB"
