"""Settings: ``config.toml`` for what is not secret, ``BOT_*`` environment variables on top.

Every field can be set in the TOML file under its own name (``database = "..."``) and overridden
by the environment variable ``BOT_<NAME>`` (``BOT_DATABASE``). The token comes only from the
environment. ``load_settings`` turns every problem into a ``ConfigError`` that names the setting,
so ``bot.py`` can print one line and exit with status 2.
"""

from __future__ import annotations

import contextvars
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from child_report_bot.domain.languages import DEFAULT_LANGUAGE, LANGUAGES
from child_report_bot.domain.centres import Centre
from child_report_bot.domain.regions import Region
from child_report_bot.domain.routing import Queue, RoutingConfig, RoutingOptions, Rule
from child_report_bot.privacy_options import PrivacyOptions

PROJECT_DIR = Path(__file__).resolve().parent.parent  # the checkout: config.toml lives there
DEFAULT_CONFIG = PROJECT_DIR / "config.toml"


Language = Literal[LANGUAGES]  # "fa" or "en": the one list, in domain/languages.py


class ConfigError(Exception):
    """A setting is missing or wrong; ``setting`` is the name a user would change."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem


class GeocodingSettings(BaseModel):
    """``[geocoding]``: typed addresses → coordinates through Nominatim (geopy)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    domain: str = Field(default="nominatim.openstreetmap.org", min_length=1)
    user_agent: str = Field(default="child-report-bot", min_length=3)
    timeout_seconds: float = Field(default=3, gt=0, le=30)
    country_codes: str = "ir"


class DeliverySettings(BaseModel):
    """``[delivery]``: how the outbox sends what the bot says on its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    staff_language: Language = DEFAULT_LANGUAGE
    send_timeout_seconds: float = Field(default=20, gt=0, le=120)
    # Telegram's limits, kept by the bot itself (delivery/budget.py); the outbox takes at most
    # outbox_per_second of the overall, leaving the rest for answers to people who wait.
    per_chat_per_second: float = Field(default=1, gt=0, le=30)
    # A chat takes a short burst before its one a second (Telegram allows about three).
    per_chat_burst: int = Field(default=2, ge=1, le=1000)
    group_per_minute: int = Field(default=20, ge=1, le=1000)
    overall_per_second: float = Field(default=30, gt=0, le=1000)
    outbox_per_second: float = Field(default=20, gt=0, le=1000)
    # A group whose backlog it cannot take within this many seconds gets one digest first.
    digest_after_seconds: float = Field(default=60, gt=0, le=3600)
    # "follow": the individual posts follow the digest as the budget allows; "digest_only":
    # reports listed in a digest get their own post only when staff open them from it.
    digest_mode: Literal["follow", "digest_only"] = "follow"


class VolunteerSettings(BaseModel):
    """``[volunteers]``: how long a volunteer has to answer an offer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer_minutes: float = Field(default=20, gt=0, le=24 * 60)


class RelaySettings(BaseModel):
    """``[relay]``: questions from a report's claimer to its reporter, relayed by the bot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_open_questions: int = Field(default=5, ge=1, le=50)
    max_questions_per_hour: int = Field(default=10, ge=1, le=100)
    max_length: int = Field(default=1000, ge=10, le=3000)


class SightingSettings(BaseModel):
    """``[sightings]``: a new report near an open one of the same activity is a sighting."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    link_nearby: bool = True   # False: every report is posted on its own
    radius_m: float = Field(default=200, gt=0, le=5000)
    days: float = Field(default=7, gt=0, le=90)


class Settings(BaseSettings):
    """All of the bot's settings, validated."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="forbid", frozen=True)

    token: SecretStr = Field(min_length=1)
    database: Path = Path("data/bot.sqlite3")
    api_url: str = "https://api.telegram.org/bot"
    file_url: str = "https://api.telegram.org/file/bot"
    proxy: str | None = None
    admins: Annotated[tuple[int, ...], NoDecode] = ()
    default_language: Language = DEFAULT_LANGUAGE
    report_timeout_minutes: float = Field(default=30, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    startup_timeout_seconds: float = Field(default=30, gt=0, le=600)
    health_port: int | None = Field(default=None, ge=1, le=65535)  # None: no health server
    health_stale_seconds: float = Field(default=120, gt=0)
    webhook_url: str | None = None  # set: Telegram POSTs updates there instead of polling
    webhook_listen: str = "0.0.0.0"  # noqa: S104 (behind a reverse proxy or in a container)
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    queues: tuple[Queue, ...] = ()
    regions: tuple[Region, ...] = ()
    centres: tuple[Centre, ...] = ()  # shown to a child asking for help, nearest first
    rules: tuple[Rule, ...] = ()
    routing: RoutingOptions = RoutingOptions()
    geocoding: GeocodingSettings = GeocodingSettings()
    delivery: DeliverySettings = DeliverySettings()
    volunteers: VolunteerSettings = VolunteerSettings()
    privacy: PrivacyOptions = PrivacyOptions()
    relay: RelaySettings = RelaySettings()
    sightings: SightingSettings = SightingSettings()

    _routing_config: RoutingConfig | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then ``BOT_*`` variables, then the TOML file; no .env, no secrets."""
        path, environ = _ORIGIN.get((DEFAULT_CONFIG, os.environ))
        environment = EnvSettingsSource(settings_cls)
        environment.env_vars = {k.lower(): v for k, v in environ.items()}  # type: ignore[misc]
        config_file = TomlConfigSettingsSource(settings_cls, toml_file=path)
        config_file.init_kwargs.pop("token", None)  # the token is a secret: environment only
        return (init_settings, environment, config_file)

    @model_validator(mode="after")
    def _check_routing(self) -> Settings:
        """Queues, regions and rules must agree with each other before the bot starts."""
        self._routing_config = RoutingConfig(queues=self.queues, regions=self.regions,
                                             rules=self.rules, options=self.routing)
        return self

    @property
    def routing_config(self) -> RoutingConfig:
        assert self._routing_config is not None
        return self._routing_config

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: Any) -> Any:
        """Accept ``"1, 2"`` from the environment as well as a TOML list."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            for part in parts:
                if not part.lstrip("-").isdigit():
                    raise ValueError(f"{part!r} is not a Telegram user id (a whole number)")
            return tuple(int(part) for part in parts)
        return value

    @field_validator("api_url", "file_url", "proxy", "webhook_url")
    @classmethod
    def _is_url(cls, value: str | None) -> str | None:
        if value is not None and value != "" and "://" not in value:
            raise ValueError(f"{value!r} is not a URL (it needs a scheme such as http://)")
        return value or None

    @field_validator("proxy")
    @classmethod
    def _proxy_scheme(cls, value: str | None) -> str | None:
        """httpx speaks HTTP(S) and SOCKS5 proxies only; say so before the first request."""
        if value is not None and value.split("://", 1)[0].lower() not in PROXY_SCHEMES:
            raise ValueError(f"{value!r}: the scheme must be one of {', '.join(PROXY_SCHEMES)}")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_characters(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram takes 1-256 characters of A-Z, a-z, 0-9, _ and - as ``secret_token``."""
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}",
                                                  value.get_secret_value()):
            raise ValueError("use 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value


PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
TABLES = ("queues", "regions", "centres", "rules", "routing", "geocoding", "delivery",
          "volunteers", "privacy", "relay", "sightings")


def _env_name(field: str) -> str:
    return f"BOT_{field.upper()}"


def _location(loc: tuple[int | str, ...]) -> str:
    """``("rules", 3, "queue")`` → ``rules[3].queue`` (as a person finds it in the file)."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# Which file and environment ``load_settings`` reads (a context variable rather than a class
# built per call, so that ``Settings`` keeps one set of sources).
_ORIGIN: contextvars.ContextVar[tuple[Path, Mapping[str, str]]] = contextvars.ContextVar("origin")


def _check_readable(path: Path) -> None:
    """pydantic-settings skips a missing file silently; here a missing file is an error."""
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ConfigError("BOT_CONFIG", f"cannot read {path}: {exc.strerror or exc}") from None


def load_settings(
    environ: dict[str, str] | None = None, **overrides: Any
) -> Settings:
    """Read the TOML file named by ``BOT_CONFIG`` and the environment; raise ``ConfigError``."""
    env = os.environ if environ is None else environ
    path = Path(env.get("BOT_CONFIG") or DEFAULT_CONFIG)
    _check_readable(path)
    token = _ORIGIN.set((path, env))
    try:
        loaded = Settings(**overrides)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("BOT_CONFIG", f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError("BOT_CONFIG", f"cannot read {path}: {exc.strerror or exc}") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        detail = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a check across settings (queues, rules and regions together)
            raise ConfigError(str(path), detail) from None
        field = str(error["loc"][0])
        if field in TABLES:
            raise ConfigError(f"{path}: {_location(error['loc'])}", detail) from None
        if error["type"] == "missing" and field == "token":
            raise ConfigError("BOT_TOKEN", "is not set; get a token from @BotFather") from None
        if error["type"] == "extra_forbidden":
            raise ConfigError("BOT_CONFIG", f"{path}: unknown setting {field!r}") from None
        where = ".".join(str(part) for part in error["loc"][1:])
        suffix = f" (at {where})" if where else ""
        raise ConfigError(_env_name(field), f"{detail}{suffix}") from None
    finally:
        _ORIGIN.reset(token)
    return loaded


def unknown_environment(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """``BOT_*`` variables that are no setting, each with the closest real name (or ``None``)."""
    known = ["CONFIG", *(name.upper() for name in Settings.model_fields)]
    found = []
    for name in sorted(environ):
        rest = name.upper().removeprefix("BOT_")
        if name.upper().startswith("BOT_") and rest not in known:
            # Compared without the common prefix, which would make every name look close.
            close = difflib.get_close_matches(rest, known, n=1, cutoff=0.6)
            found.append((name, "BOT_" + close[0] if close else None))
    return found
