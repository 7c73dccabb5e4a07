"""Runs a command once and prints its wall time in seconds (to the
millisecond) and its peak resident memory in KiB, as `wall peak`.

`/usr/bin/time -f %e` counts in hundredths of a second: on runs of a tenth
of a second that is a tenth of the figure, too coarse for a ratio.
"""
import os
import subprocess
import sys
import time

start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=sys.stdout, stderr=subprocess.DEVNULL)
_, _, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
child.returncode = 0  # reaped above; keeps Popen from waiting again
print(f"{wall:.3f} {usage.ru_maxrss}", file=sys.stderr)
