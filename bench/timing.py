"""Wall-clock medians for the bench scripts' in-process timings."""
import statistics
import time


def median_ms(fn, repeat):
    """Median wall time of 'repeat' calls of fn(), in ms, after one untimed call (the warm-up:
    first-touch allocations, lazy initialisation)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)
