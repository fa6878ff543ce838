"""The UI speaks Simplified Chinese by default, English and Traditional Chinese on request,
and every message of ours is translated."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["zh", "zh_Hant_HK", "en"]  # Babel reads the menu's zh_HK as zh_Hant_HK
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def catalog(locale):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def messages_in_code():
    found = set()
    for method, pattern in (("python", "**.py"), ("jinja2", "**.html")):
        for _, _, message, _, _ in extract_from_dir(str(ROOT / "app"), method_map=[(pattern, method)],
                                                   keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(locale):
    problems = [m.id for m in catalog(locale) if m.id and (not m.string or m.fuzzy)]
    assert problems == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_in_the_code_is_in_the_catalogue(locale):
    ids = {m.id for m in catalog(locale) if m.id}
    assert sorted(messages_in_code() - ids) == []


def test_the_ui_speaks_simplified_chinese_by_default(cs_client):
    page = cs_client.get("/queue/list/").get_data(as_text=True)
    assert "我的待办" in page and "投诉处理" in page


@pytest.mark.parametrize("locale, expected", [("en", "My queue"), ("zh_HK", "我的待辦"), ("zh", "我的待办")])
def test_english_and_traditional_chinese_are_available(cs_client, locale, expected):
    page = cs_client.get(f"/queue/list/?_l_={locale}").get_data(as_text=True)
    assert expected in page


def test_fabs_own_words_are_traditional_in_the_traditional_ui(cs_client):
    page = cs_client.get("/complaints/list/?_l_=zh_HK").get_data(as_text=True)
    assert "記錄數目" in page and "记录数目" not in page


def test_enum_values_and_messages_are_shown_translated(cs_client, new_case):
    case = new_case()
    page = cs_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    assert "已登记" in page and "第一层 · 客服" in page and "设施设备/报修" in page
    refused = cs_client.act(case, "close").get_data(as_text=True)
    assert "无权执行" in refused or "不能执行" in refused


def test_role_names_are_translated_for_administrators(admin_client):
    page = admin_client.get("/roles/list/").get_data(as_text=True)
    assert "客服" in page and "主管" in page and "总经理" in page
