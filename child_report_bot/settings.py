"""Settings: ``config.toml`` for what is not secret, ``BOT_*`` environment variables on top.

Every field can be set in the TOML file under its own name (``database = "..."``) and overridden
by the environment variable ``BOT_<NAME>`` (``BOT_DATABASE``). The token comes only from the
environment. ``load_settings`` turns every problem into a ``ConfigError`` that names the setting,
so ``bot.py`` can print one line and exit with status 2.
"""

from __future__ import annotations

import os
import tomllib
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
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from child_report_bot.domain.languages import LANGUAGES
from child_report_bot.domain.regions import Region
from child_report_bot.domain.routing import Queue, RoutingConfig, RoutingOptions, Rule

PROJECT_DIR = Path(__file__).resolve().parent.parent  # the checkout: config.toml lives there
DEFAULT_CONFIG = PROJECT_DIR / "config.toml"


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

    staff_language: Literal["fa", "en"] = "fa"
    send_timeout_seconds: float = Field(default=20, gt=0, le=120)


class VolunteerSettings(BaseModel):
    """``[volunteers]``: how long a volunteer has to answer an offer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer_minutes: float = Field(default=20, gt=0, le=24 * 60)


class Settings(BaseSettings):
    """All of the bot's settings, validated."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="forbid", frozen=True)

    token: SecretStr = Field(min_length=1)
    database: Path = Path("data/bot.sqlite3")
    api_url: str = "https://api.telegram.org/bot"
    file_url: str = "https://api.telegram.org/file/bot"
    proxy: str | None = None
    admins: Annotated[tuple[int, ...], NoDecode] = ()
    default_language: Literal["fa", "en"] = "fa"
    report_timeout_minutes: float = Field(default=30, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    queues: tuple[Queue, ...] = ()
    regions: tuple[Region, ...] = ()
    rules: tuple[Rule, ...] = ()
    routing: RoutingOptions = RoutingOptions()
    geocoding: GeocodingSettings = GeocodingSettings()
    delivery: DeliverySettings = DeliverySettings()
    volunteers: VolunteerSettings = VolunteerSettings()

    _routing_config: RoutingConfig | None = PrivateAttr(default=None)

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

    @field_validator("api_url", "file_url", "proxy")
    @classmethod
    def _is_url(cls, value: str | None) -> str | None:
        if value is not None and value != "" and "://" not in value:
            raise ValueError(f"{value!r} is not a URL (it needs a scheme such as http://)")
        return value or None


TABLES = ("queues", "regions", "rules", "routing", "geocoding", "delivery", "volunteers")


def _env_name(field: str) -> str:
    return f"BOT_{field.upper()}"


def _location(loc: tuple[int | str, ...]) -> str:
    """``("rules", 3, "queue")`` → ``rules[3].queue`` (as a person finds it in the file)."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError("BOT_CONFIG", f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("BOT_CONFIG", f"{path} is not valid TOML: {exc}") from None


def load_settings(
    environ: dict[str, str] | None = None, **overrides: Any
) -> Settings:
    """Read the TOML file named by ``BOT_CONFIG`` and the environment; raise ``ConfigError``."""
    env = os.environ if environ is None else environ
    path = Path(env.get("BOT_CONFIG") or DEFAULT_CONFIG)
    file_values = _read_toml(path)
    file_values.pop("token", None)  # the token is a secret: environment only

    class _FromFile(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            from pydantic_settings import EnvSettingsSource

            environment = EnvSettingsSource(settings_cls)
            environment.env_vars = {k.lower(): v for k, v in env.items()}  # type: ignore[misc]
            return (init_settings, environment, InitSettingsSource(settings_cls, file_values))

    try:
        loaded = _FromFile(**overrides)
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
    return loaded
