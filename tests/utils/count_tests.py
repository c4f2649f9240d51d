"""Sum the pytest closing lines ("N passed, M failed ... in X s") of every *.log in a folder.

Usage: python count_tests.py LOG_DIR LABEL [MIN_FAILED]; prints "LABEL: N passed, M failed". MIN_FAILED (a count
of failed steps) makes a run whose failing step had no failing pytest test still report a failure.
"""

import glob
import os
import re
import sys

CLOSING = re.compile(r"\b(passed|failed)\b.* in [0-9.]+s")


def count(folder):
    passed = failed = 0
    for log in sorted(glob.glob(os.path.join(folder, "*.log"))):
        with open(log, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if CLOSING.search(line):
                    passed += sum(int(n) for n in re.findall(r"(\d+) passed", line))
                    failed += sum(int(n) for n in re.findall(r"(\d+) failed", line))
    return passed, failed


if __name__ == "__main__":
    PASSED, FAILED = count(sys.argv[1])
    MIN_FAILED = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    print(f"{sys.argv[2]}: {PASSED} passed, {max(FAILED, MIN_FAILED)} failed")
