import pytest
from django.utils import translation


@pytest.fixture
def english():
    """Service messages read in English (the msgids); pages are tested in French."""
    with translation.override("en"):
        yield
