import pytest

# Detailed assertion messages in the shared checks too, as in test modules.
pytest.register_assert_rewrite("schulsozial.statistics.tests.rollup_checks")
