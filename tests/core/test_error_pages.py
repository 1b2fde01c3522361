"""403, 404 and 500 are pages of the site, in the user's language, with a way back."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path

import liuke.urls

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


# The site's URLs plus one that fails (pytest.mark.urls below).
urlpatterns = [path("boom/", _boom), *liuke.urls.urlpatterns]


def _page(employee, url, status, language=None) -> str:
    """The page ``url`` shows ``employee`` (in ``language``, else the default), after checking its status."""
    client = Client(raise_request_exception=False)
    client.force_login(employee.user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert "bootstrap.min.css" in page  # styled like the site
    assert 'href="/"' in page  # a way home
    return page


def test_missing_record_is_a_chinese_page_with_navigation_and_a_way_home(world):
    page = _page(world.rep_a, "/customers/999999/", 404)
    assert "页面不存在" in page
    assert 'data-testid="viewer"' in page  # the site's frame, logged in
    assert "客户" in page  # the navigation
    assert "首页" in page
    assert "返回" in page
    assert "Not Found" not in page


def test_missing_record_page_follows_the_chosen_language(world):
    page = _page(world.rep_a, "/customers/999999/", 404, "en")
    assert "Page not found" in page
    assert "页面不存在" not in page


def test_forbidden_action_is_a_chinese_page_with_navigation(world):
    page = _page(world.rep_a, "/org/departments/new/", 403)
    assert "无权访问" in page
    assert 'data-testid="viewer"' in page
    assert "403 Forbidden" not in page


@pytest.mark.urls("tests.core.test_error_pages")
def test_server_error_is_a_styled_page_in_the_users_language(world, settings):
    settings.DEBUG = False  # rendered standalone: no request context, no context processors
    page = _page(world.rep_a, "/boom/", 500)
    assert "系统出错了" in page
    assert "首页" in page
    assert "liuke.css" in page
    assert "Server Error" not in page
    english = _page(world.rep_a, "/boom/", 500, "en")
    assert "Something went wrong" in english
    assert "系统出错了" not in english
