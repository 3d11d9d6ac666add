from tests.monitoring.support import analyst, homecare_worker  # noqa: F401  (fixtures)
