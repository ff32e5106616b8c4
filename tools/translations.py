"""Translation upkeep: fill the English catalog from the msgids, list untranslated Chinese.

Used by ``make extract-translations``; English is the source language, so its catalog is
the msgids themselves.
"""

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "app" / "translations"


def load(language: str):
    with (ROOT / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def save(language: str, catalog) -> None:
    with (ROOT / language / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)


def main() -> int:
    english = load("en")
    for message in english:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    save("en", english)
    missing = [message.id for message in load("zh_Hans_CN") if message.id and (not message.string or message.fuzzy)]
    for message_id in missing:
        print(f"untranslated (zh_Hans_CN): {message_id!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
