"""Default prompts made offline in every service language, numbers spoken by joining pieces."""

from __future__ import annotations

import wave

import pytest

from dasan.center import service as center_service
from dasan.config import Settings
from dasan.voice import prompts
from dasan.voice.prompts import PromptLibrary, Say

from .conftest import _require_tools


@pytest.fixture
def library(tmp_path):
    _require_tools()
    return PromptLibrary(tmp_path / "prompts")


@pytest.mark.parametrize("lang", ["ko", "en", "zh", "ja", "vi", "mn"])
def test_place_in_line_and_wait_in_each_language(library, lang):
    center = center_service.from_settings(Settings())
    path = library.sequence([Say.of("voice.queue.position", n=15), Say.of("voice.queue.wait_minutes", n=3)],
                            lang, center)
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() / 8000 > 1.5
    # joined from cached pieces: the same sentence with another number reuses the words
    pieces_before = len(list((library.root / "pieces" / lang).iterdir()))
    library.sequence([Say.of("voice.queue.position", n=16)], lang, center)
    assert len(list((library.root / "pieces" / lang).iterdir())) == pieces_before + 1  # only "16" is new


def test_the_language_menu_speaks_each_option_in_its_own_language(library):
    center = center_service.from_settings(Settings())
    says = [Say.of("voice.menu.language_option", lang=lang, digit=i + 1) for i, lang in
            enumerate(("en", "zh", "ja", "vi", "mn"))]
    path = library.sequence(says, "ko", center)
    assert prompts.duration_s(path) > 5
    for lang in ("en", "zh", "ja", "vi", "mn"):
        assert any((library.root / "pieces" / lang).iterdir())
