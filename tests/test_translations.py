"""Both catalogs are complete, and the Chinese one is what users see by default."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = {"zh_CN": "zh_Hans_CN", "en": "en"}
METHOD_MAP = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_catalog_is_complete(language):
    path = ROOT / "app" / "translations" / CATALOGS[language] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = all(strings) and not message.fuzzy
    wanted = source_messages()
    assert len(wanted) > 100
    missing = sorted(message for message in wanted if not translated.get(message))
    assert not missing, f"{language}: untranslated or fuzzy: {missing[:20]}"


def test_chinese_is_the_default(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert "登录" in body and "Sign in" not in body


def test_english_when_chosen(client):
    client.post("/language", data={"locale": "en"})
    body = client.get("/login").get_data(as_text=True)
    assert "Sign in" in body and "登录" not in body


def test_form_validation_messages_are_chinese(client):
    body = client.post("/login", data={"login": "", "password": ""}).get_data(as_text=True)
    assert "This field is required" not in body
    assert "必" in body


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_translations_survive_percent_formatting(language):
    """Templates format every message (``_()`` does ``text % values``): a lone % in a translation is a crash."""
    import re
    from collections import defaultdict

    path = ROOT / "app" / "translations" / CATALOGS[language] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    broken = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        values = defaultdict(lambda: 1, dict.fromkeys(re.findall(r"%\((\w+)\)", message.id), 1))
        try:
            message.id % values
        except (ValueError, TypeError):
            continue  # not a formatted message
        try:
            message.string % values
        except (ValueError, TypeError, KeyError) as error:
            broken.append(f"{message.string!r}: {error}")
    assert not broken, broken
