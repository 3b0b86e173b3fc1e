import pytest

from uintrlab import builds


@pytest.fixture(scope="session")
def native_bench():
    builds.check_csrc("native")
    return builds.NATIVE_BENCH


@pytest.fixture(scope="session")
def guest_platform():
    """The tcg platform must be built: `make test` builds it first; a missing build fails."""
    from uintrlab import runner
    runner.check_platform("tcg")
