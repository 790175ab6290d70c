"""The logging filters: the token never written, an outage one line instead of one per poll."""

import io
import logging

from telegram.error import NetworkError

from child_report_bot.metrics import ApiWatch
from child_report_bot.ops.logs import OutageLog, RedactToken, redact

TOKEN = "424242:AAE-secret-part-of-the-token"


def capture(*filters):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    for one in filters:
        handler.addFilter(one)
    logger = logging.getLogger("test-ops-logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_the_token_is_redacted_from_messages_arguments_and_tracebacks():
    logger, stream = capture(RedactToken(TOKEN))
    logger.debug("POST https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        logger.exception("start failed")
    text = stream.getvalue()
    assert "secret-part" not in text and "424242:***" in text and "RuntimeError" in text


def test_redact_leaves_text_without_the_token_alone():
    assert redact("nothing here", TOKEN) == "nothing here"


def test_an_outage_is_one_warning_until_the_api_answers_again():
    ApiWatch.down = False
    logger, stream = capture(OutageLog(), RedactToken(TOKEN))
    for _ in range(5):
        try:
            raise NetworkError("httpx.ConnectError: All connection attempts failed")
        except NetworkError as exc:
            logger.error("error while handling update %s", None, exc_info=exc)
    ApiWatch.answered()
    assert not ApiWatch.down
    lines = stream.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("WARNING the Bot API cannot be reached")
