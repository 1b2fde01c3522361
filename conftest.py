"""Root conftest: per-app fixture modules, loaded the Saleor way."""

import pytest

pytest_plugins = [
    "tests.fixtures.world",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (settings.py); tests hash thousands of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory):
    # Uploaded flow files and card attachments go to a per-test folder, not the checkout's data/media.
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    # The language middleware activates the request's language in the test's thread; a test that browsed
    # in English must not leave the next one reading English labels.
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_cached_rule_watchers():
    # Alert visibility keeps the rules' watchers for a few seconds; a rolled-back test's watchers must not
    # leak into the next test.
    yield
    from liuke.alerts.policies import forget_watchers

    forget_watchers()
