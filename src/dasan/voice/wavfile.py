"""Writing telephone audio files: 8 kHz, 16-bit, atomically (a reader never sees half a file)."""

from __future__ import annotations

import os
import tempfile
import wave
from pathlib import Path

RATE = 8000


def write_wav(path: Path, frames: bytes, *, channels: int = 1, rate: int = RATE) -> None:
    """Write 16-bit PCM `frames` to `path` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        with wave.open(tmp, "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(frames)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
