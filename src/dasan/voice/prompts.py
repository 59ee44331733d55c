"""Prompt audio: the center's default prompts in all six languages, synthesised offline with
espeak-ng and resampled with sox to 8 kHz mono (what a telephone carries), cached on disk by
content; admins' recordings replace them key by key. A sequence of prompts (welcome, menu,
place in line, expected wait) is joined into one file so rtpengine plays it with one command.

The files are read by rtpengine, never streamed by Python."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dasan.center.core import Center
from dasan.i18n import catalogue
from dasan.voice.speech import Number, Piece, Text, number_text, pieces
from dasan.voice.wavfile import RATE, write_wav

# espeak-ng voices per service language. Mongolian has none: its Cyrillic is read by the Russian
# voice, a stand-in until the center records its own (docs/architecture.md, Voice).
VOICES = {"ko": "ko", "en": "en-us", "zh": "cmn", "ja": "ja", "vi": "vi", "mn": "ru"}
GAP_S = 0.25  # silence between joined prompts


class PromptError(RuntimeError):
    """A prompt could not be made (no speech engine, a bad upload)."""


@dataclass(frozen=True)
class Say:
    """One catalogue message to say, with its parameters."""

    key: str
    params: tuple[tuple[str, object], ...] = ()
    lang: str | None = None  # said in this language whatever the caller's (the language menu)

    @classmethod
    def of(cls, key: str, *, lang: str | None = None, **params: object) -> Say:
        return cls(key, tuple(sorted(params.items())), lang)


def catalogue_keys() -> list[str]:
    """The voice messages of the catalogue (every prompt a menu or the queue may say)."""
    return sorted(k for k in catalogue.keys("citizen") if k.startswith("voice."))


def available() -> bool:
    """True when the offline speech tools are installed."""
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


class PromptLibrary:
    """Makes and caches prompt files under `root`. Thread-safe; files appear atomically."""

    def __init__(self, root: Path, *, overrides: dict[tuple[str, str], Path] | None = None) -> None:
        self.root = root
        self.overrides = overrides or {}  # (key, lang) → an admin's recording
        self._lock = threading.Lock()
        (root / "pieces").mkdir(parents=True, exist_ok=True)
        (root / "joined").mkdir(parents=True, exist_ok=True)

    # --- pieces -------------------------------------------------------------------------------
    def piece(self, piece: Piece, lang: str) -> Path:
        """The audio of one piece in `lang`, synthesised on first use."""
        text = piece.text if isinstance(piece, Text) else number_text(piece.value, lang)
        voice = VOICES.get(lang, "en-us")
        digest = hashlib.sha1(f"{voice}\0{text}".encode()).hexdigest()[:20]
        path = self.root / "pieces" / lang / f"{digest}.wav"
        if not path.exists():
            self._synthesise(text, voice, path)
        return path

    def _synthesise(self, text: str, voice: str, path: Path) -> None:
        if not available():
            raise PromptError("espeak-ng and sox are needed to make the default prompts")
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            raw = Path(tmp) / "raw.wav"
            out = Path(tmp) / "out.wav"
            # The text on stdin: a message may begin with "-" (Mongolian suffixes), which a
            # command-line argument would read as an option.
            subprocess.run(["espeak-ng", "-v", voice, "-s", "155", "-w", str(raw), "--stdin"],
                           input=text.encode(), check=True, capture_output=True, timeout=60)
            subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
                            str(out), "norm", "-3"], check=True, capture_output=True, timeout=60)
            os.replace(out, path)

    # --- messages ---------------------------------------------------------------------------------
    def message_parts(self, say: Say, lang: str, center: Center) -> list[Path]:
        """The files that say one message: an admin's recording, or the synthesised pieces."""
        override = self.overrides.get((say.key, lang))
        if override is not None and not say.params and override.exists():
            return [override]
        template = catalogue.raw("citizen", say.key, lang)
        params = {**catalogue.center_params(center, lang), **dict(say.params)}
        return [self.piece(p, lang) for p in pieces(template, params)]

    def sequence(self, says: Sequence[Say], lang: str, center: Center) -> Path:
        """One file saying the messages in order (cached by its parts)."""
        groups = [self.message_parts(s, s.lang or lang, center) for s in says]
        digest = hashlib.sha1("|".join(",".join(str(p) for p in g) for g in groups).encode()).hexdigest()[:24]
        path = self.root / "joined" / f"{digest}.wav"
        if not path.exists():
            _join(groups, path)
        return path

    def warm(self, center: Center, keys: Sequence[str] | None = None, numbers: range = range(0, 21)) -> int:
        """Make the pieces of `keys` (every voice message by default) and the numbers in every
        language the center serves (the install-time generation); returns how many pieces exist.
        Messages naming a department are made when a call needs them."""
        n = 0
        for lang in center.languages:
            for key in keys if keys is not None else catalogue_keys():
                template = catalogue.raw("citizen", key, lang)
                if "{department}" in template:
                    continue
                params = {**catalogue.center_params(center, lang), "n": 1, "digit": 1}
                for p in pieces(template, params):
                    if isinstance(p, Text):
                        self.piece(p, lang)
                        n += 1
            for value in numbers:
                self.piece(Number(value), lang)
                n += 1
        return n

def _join(groups: list[list[Path]], path: Path) -> None:
    frames: list[bytes] = []
    gap = b"\x00\x00" * int(RATE * GAP_S)
    for i, group in enumerate(groups):
        if i:
            frames.append(gap)
        for part in group:
            with wave.open(str(part), "rb") as w:
                if w.getframerate() != RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
                    raise PromptError(f"{part.name} is not 8 kHz mono 16-bit audio")
                frames.append(w.readframes(w.getnframes()))
    write_wav(path, b"".join(frames))


def duration_s(path: Path) -> float:
    """The length of a WAV file."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def hold_music(path: Path, seconds: float = 20.0) -> Path:
    """A quiet, gentle arpeggio to wait on (made once; no licensed music needed)."""
    if path.exists():
        return path
    notes = [261.63, 329.63, 392.0, 523.25, 392.0, 329.63]  # C major, up and down
    note_s = 0.5
    out = bytearray()
    total = int(seconds * RATE)
    for i in range(total):
        t = i / RATE
        k = int(t / note_s)
        f = notes[k % len(notes)]
        local = t - k * note_s
        env = math.sin(math.pi * local / note_s) ** 2
        v = int(5000 * env * math.sin(2 * math.pi * f * t))
        out += v.to_bytes(2, "little", signed=True)
    write_wav(path, bytes(out))
    return path


def to_prompt_audio(audio: bytes, out: Path) -> float:
    """Convert an uploaded recording (WAV, MP3, FLAC … whatever sox reads) to the prompt format;
    returns its duration. Raises `PromptError` for anything that is not audio."""
    if shutil.which("sox") is None:
        raise PromptError("sox is needed to convert recordings")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        src = Path(tmp) / "upload"
        src.write_bytes(audio)
        dst = Path(tmp) / "prompt.wav"
        done = subprocess.run(["sox", str(src), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
                               str(dst)], capture_output=True, timeout=60)
        if done.returncode != 0 or not dst.exists():
            raise PromptError("the file is not audio sox can read (WAV, FLAC, MP3 …)")
        seconds = duration_s(dst)
        if seconds < 0.2 or seconds > 300:
            raise PromptError("a prompt lasts between 0.2 seconds and 5 minutes")
        os.replace(dst, out)
    return seconds
