"""Local simulator of the Shoptet REST API (see sandbox/README.md).

The package is self-contained: it never reads the OpenAPI spec at run time, so it
works wherever the hub's code runs.  `sandbox.testing.run_sandbox` is the entry
point for tests; `python -m sandbox` starts a server; `python -m sandbox.generate`
writes snapshot files for benchmarks.
"""
