"""The languages the bot speaks, Persian first; the one list every layer reads."""

LANGUAGES: tuple[str, ...] = ("fa", "en")
DEFAULT_LANGUAGE = "fa"
