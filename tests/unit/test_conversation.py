"""handlers/conversation.py: what a rejected button answer looks like."""

from child_report_bot.handlers.conversation import alert_text


def test_a_callback_alert_is_plain_text_and_short():
    """Alerts show no HTML: tags go, entities are read back, at most 200 characters."""
    assert alert_text("Volunteer <code>7</code> &amp; more") == "Volunteer 7 & more"
    assert len(alert_text("x" * 500)) == 200
