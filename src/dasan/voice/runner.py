"""The call controller as the app runs it: configured from the settings, started with the app."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dasan.config import Settings
from dasan.voice.controller import VoiceConfig, VoiceController


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def voice_config(settings: Settings) -> VoiceConfig:
    """The controller's addresses, from the settings."""
    return VoiceConfig(
        sip_listen=_addr(settings.voice_sip), kamailio=_addr(settings.voice_kamailio),
        kamailio_rpc=settings.voice_kamailio_rpc_port, ng=_addr(settings.voice_ng),
        dtmf_listen=("127.0.0.1", settings.voice_dtmf_port),
        recording_dir=settings.voice_recording_dir or settings.data_dir / "voice" / "rtpengine",
        data_dir=settings.data_dir,
        trunks=tuple(t.strip() for t in settings.voice_trunks.split(",") if t.strip()),
        announce_every_s=settings.voice_announce_every_s,
        outbound=_addr(settings.voice_outbound) if settings.voice_outbound else None,
        bridge_ws=settings.voice_bridge_ws or settings.voice_janus_ws, bridge_key=settings.voice_bridge_key,
    )


def voice_controller(settings: Settings, factory: sessionmaker[Session],
                     read_factory: sessionmaker[Session] | None = None) -> VoiceController | None:
    """The controller this process runs, or None when voice is off."""
    if not settings.voice_enabled:
        return None
    return VoiceController(factory, voice_config(settings), read_factory=read_factory)
