import pytest


@pytest.fixture
def settings(settings):
    """The outbox tests move rows by hand: no background worker in these apps."""
    return settings.model_copy(update={"outbox_enabled": False})
