"""Derive the English and Traditional Chinese catalogues from the maintained ones.

The Simplified Chinese catalogue (zh) is translated by hand. English is the source language,
so its catalogue repeats each message; Traditional Chinese (zh_Hant_HK, which Babel
makes of the UI's zh_HK) is converted from zh with
OpenCC's Simplified → Hong Kong table. Run by `make messages` after `pybabel update`."""
from pathlib import Path

import opencc
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent


def _load(locale):
    with open(HERE / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def _save(catalog, locale):
    with open(HERE / locale / "LC_MESSAGES" / "messages.po", "wb") as f:
        write_po(f, catalog, omit_header=False, no_location=True, sort_output=True)


def main():
    zh = _load("zh")
    convert = opencc.OpenCC("s2hk").convert
    for locale, translate in (("en", lambda m: m.id), ("zh_Hant_HK", lambda m: convert(zh[m.id].string))):
        catalog = _load(locale)
        for message in catalog:
            if message.id and zh.get(message.id) is not None:
                message.string = translate(message)
                message.flags.discard("fuzzy")
        _save(catalog, locale)


if __name__ == "__main__":
    main()
