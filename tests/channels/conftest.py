from tests.imports.conftest import snapshots  # noqa: F401  (the generated snapshot files, once per run)
