"""Server-level settings, read from DASAN_* environment variables (policy lives in the database)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET = "dasan-development-secret-do-not-use-in-production"


class Settings(BaseSettings):
    """Everything a server process needs to start; one instance per app."""

    model_config = SettingsConfigDict(env_prefix="DASAN_", extra="ignore")

    env: str = "development"  # development | test | production
    data_dir: Path = Path("dasan-data")
    database_url: str | None = None  # default: SQLite file in data_dir
    redis_url: str | None = None  # set it to share events between processes
    secret_key: str = _DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 8120
    cookie_secure: bool = False
    session_hours: int = 12  # the absolute timeout of a login session (ASVS 3.3.2)
    # The idle timeout: a session no request or open page has used for this long ends. An open
    # staff page keeps its session alive (its live connection pings), a closed or asleep one does not.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Login throttling (security/throttle.py): failures within 15 minutes that lock an account, and
    # those that lock a source address (raise it for a large office behind one address).
    login_lock_after: int = Field(default=10, ge=2, le=100)
    login_address_lock_after: int = Field(default=10, ge=2, le=1000)
    login_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Roles that must log in with a second factor (TOTP), and the days they have to set one up
    # from their first login without it; after that they reach only their own page until they do.
    second_factor_roles: list[str] = ["admin", "supervisor"]
    second_factor_grace_days: int = Field(default=7, ge=0, le=90)
    # How long an agent has to accept an offered contact before it goes to the next agent.
    offer_timeout_s: float = 20.0
    # Default number of chats an agent handles at once (per-agent value is in the database).
    default_max_chats: int = 3
    # Seconds between sweeps that re-offer expired offers and refresh queue positions.
    sweep_interval_s: float = 1.0
    # How often SMS the bot never answered (a crash between storing and answering) are given to it again.
    lost_turn_interval_s: float = Field(default=5.0, gt=0)
    # How often the retention purge runs (each kind of data past the retention an admin set).
    purge_interval_s: float = Field(default=3600.0, gt=0)
    trends_interval_s: float = Field(default=60.0, gt=0)  # how often new consultation records meet the detector
    trends_enabled: bool = True
    max_message_chars: int = 4000
    # The self-service bot answers web chat first (hands off to a human when unsure).
    bot_enabled: bool = True
    # Knowledge search profile: "accurate" (e5 + USE + BM25 + n-grams) or "fast" (no e5).
    kb_profile: str = "accurate"
    # Build the knowledge index when the server starts, so the first question is answered fast.
    kb_warmup: bool = True
    # Server logs: "json" (one object a line, with the request id) or "text" (for a terminal).
    log_format: Literal["json", "text"] = "json"
    # Intake requests one process answers at once; past it, "try later" at once (channels/admission.py).
    intake_max_in_flight: int = Field(default=64, ge=1)
    # Threads writing intake batches (channels/groupcommit.py); 0: one on SQLite, four on PostgreSQL.
    intake_writers: int = Field(default=0, ge=0, le=64)
    # SMS through Kannel (issue 5): smsbox's sendsms interface, its user, and the sender number.
    kannel_sendsms_url: str | None = None  # e.g. http://127.0.0.1:13013/cgi-bin/sendsms
    kannel_username: str = ""
    kannel_password: str = ""
    sms_sender: str = ""  # default: the center's number
    # How Kannel reaches this server for delivery reports, and the token it presents (an API
    # token of channel 'sms', `dasan tokens create --channel sms`).
    public_url: str = "http://127.0.0.1:8120"
    kannel_token: str = ""
    outbox_interval_s: float = 0.5
    # A message a dead process was handing to a gateway is sent again once a report for a message
    # handed over later has arrived (so the gateway never took it), or after this long without any
    # such evidence: after a crash reports can lag minutes behind a flood of queued citizen
    # messages, and sending again too early would text the citizen twice.
    outbox_recover_after_s: float = 600.0
    outbox_enabled: bool = True  # this process hands outbound messages to gateways
    # Email: the SMTP server Dasan runs for inbound mail (None: off), and where replies are sent.
    smtp_listen_port: int | None = None
    smtp_host: str | None = None  # outbound relay, e.g. 127.0.0.1
    smtp_port: int = 25
    email_from: str = "120@dasan.seoul.example"
    # The center, until its profile is stored in the database (`dasan demo --profile`, the
    # admin console): one number, name, time zone, the country whose holidays and phone numbers
    # apply, service languages (the first is the default) and office hours.
    center_code: str = "seoul120"
    center_number: str = "120"
    center_names: dict[str, str] = {
        "ko": "120 다산콜센터", "en": "Seoul 120 Dasan Call Center", "zh": "首尔120茶山呼叫中心",
        "ja": "ソウル120タサンコールセンター", "vi": "Trung tâm 120 Dasan Seoul", "mn": "Сөүлийн 120 Дасан төв"}
    center_short_names: dict[str, str] = {"ko": "120 다산콜센터", "en": "Seoul 120", "zh": "首尔120", "ja": "ソウル120",
                                          "vi": "Seoul 120", "mn": "Сөүл 120"}
    center_timezone: str = "Asia/Seoul"
    center_country: str = "KR"
    center_languages: str = "ko,en,zh,ja,vi,mn"
    office_open: str = "09:00"
    office_close: str = "18:00"
    # Voice (dasan.voice): this process runs the call controller. Kamailio and rtpengine run
    # beside it (`dasan voice stack` prints their configurations; tests and the demo start them).
    voice_enabled: bool = False
    voice_sip: str = "127.0.0.1:5090"  # where the controller's SIP endpoint listens
    voice_kamailio: str = "127.0.0.1:5060"
    voice_kamailio_rpc_port: int = 5061  # Kamailio's JSON-RPC (UDP, 127.0.0.1 only)
    voice_ng: str = "127.0.0.1:2223"  # rtpengine's control port (127.0.0.1 only)
    voice_dtmf_port: int = 2224  # rtpengine sends DTMF events here
    voice_recording_dir: Path | None = None  # rtpengine's recording-dir; default <data_dir>/voice/rtpengine
    voice_trunks: str = ""  # comma-separated "ip" or "ip:port" of carriers' SBCs allowed to send calls
    voice_outbound: str = ""  # "ip:port" of the carrier's SBC that takes the center's outbound calls
    voice_janus_ws: str = ""  # Janus's websocket URL as agents' browsers reach it: the softphone (ws:// or wss://)
    # Janus's websocket as the controller reaches it (its AudioBridge mixes three-party calls; default
    # voice_janus_ws) and the AudioBridge admin key rooms are made with (janus.plugin.audiobridge.jcfg).
    voice_bridge_ws: str = ""
    voice_bridge_key: str = ""
    voice_announce_every_s: float = 30.0

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "production" and self.secret_key == _DEV_SECRET:
            raise ValueError("DASAN_SECRET_KEY must be set in production")
        if self.env == "production" and len(self.secret_key) < 32:
            raise ValueError("DASAN_SECRET_KEY must be at least 32 characters in production")
        if self.env == "production" and not self.cookie_secure:
            # Session cookies must never travel in clear text: production is served behind TLS
            # (docs/deploy.md) and says so.
            raise ValueError("DASAN_COOKIE_SECURE=true is required in production (serve it behind TLS)")
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dasan.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        """True when the store is SQLite."""
        return self.resolved_database_url.startswith("sqlite")
