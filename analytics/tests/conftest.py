import pytest

from billing.services import plans_ensure_defaults


@pytest.fixture(autouse=True)
def catalogue(db):
    plans_ensure_defaults()
