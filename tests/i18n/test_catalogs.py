"""Every string of the interface is translated into Czech and Slovak: a new `_()` without its cs/sk msgstr fails."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The msgids `make translations` would extract today (same options as the Makefile)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "app/babel.cfg",
                    "--ignore-dirs=.* __pycache__", "-k", "_l", "-k", "lazy_gettext", "--no-location",
                    "-o", str(pot), "app", "templates"], cwd=ROOT, check=True)
    with pot.open("rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0]
                for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["cs", "sk"])
def test_every_string_is_translated(extracted, language):
    with (ROOT / "app" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {(message.id if isinstance(message.id, str) else message.id[0])
                  for message in catalog if message.id and message.string and not message.fuzzy
                  and (message.string if isinstance(message.string, str) else all(message.string))}
    assert "Top spenders" in extracted and "Found: %(count)s" in extracted  # the extraction itself works
    missing = sorted(extracted - translated)
    assert not missing, f"untranslated in {language} (run `make translations`, then translate): {missing[:20]}"


def test_a_czech_page_speaks_czech(client, tenant):
    html = client.get("/orders", headers={"Accept-Language": "cs"}).get_data(as_text=True)
    assert "Objednávky" in html and "Žádná objednávka neodpovídá." in html and "Nalezeno: 0" in html
    sk = client.get("/customers", headers={"Accept-Language": "sk"}).get_data(as_text=True)
    assert "Zákazníci" in sk and "Najviac míňajúci" in sk
