"""Chinese first, English complete."""

from pathlib import Path

import polib
import pytest

import liuke

PO = Path(liuke.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_chinese_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    stale = [e.msgid for e in po.translated_entries() if compiled.get((e.msgctxt, e.msgid)) != e.msgstr]
    assert stale == [], "run `make messages` to recompile django.mo"


@pytest.mark.django_db
def test_pages_are_chinese_by_default_even_for_an_english_browser(world, client):
    client.force_login(world.manager_a.user)
    html = client.get("/org/employees/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "退出登录" in html
    assert "Log out" not in html


@pytest.mark.django_db
def test_switching_to_english_sticks(world, client):
    client.force_login(world.manager_a.user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/org/employees/"})
    assert response.status_code == 302
    html = client.get("/org/employees/").content.decode()
    assert '<html lang="en">' in html
    assert "Log out" in html
    assert "Employees" in html
    assert "Active" in html  # employee status, in English
