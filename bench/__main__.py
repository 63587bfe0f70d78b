"""`python -m bench`: every benchmark at its default (modest) size."""

import sys

from bench import import_bench

if __name__ == "__main__":
    sys.exit(import_bench.main(["--orders", "100000"]))
