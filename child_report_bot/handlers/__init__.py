"""Telegram-facing code: turns updates into calls on ``domain`` and ``storage``."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:
    """Add every handler in the order they must be tried.

    The modules are imported here, not at the top, so that importing a light module such as
    ``handlers.callback_data`` (delivery code does) does not pull in every handler.
    """
    from child_report_bot.handlers import (
        assignment_buttons,
        blocking,
        child_help,
        common,
        digest_buttons,
        errors,
        other_input,
        privacy,
        queue_groups,
        relay,
        report,
        sightings,
        staff_admin,
        staff_views,
        tracking,
        triage_buttons,
        volunteer_admin,
        volunteer_registration,
    )

    tracking.register(application)
    privacy.register(application)
    relay.register(application)  # before the report conversation: replies to relayed questions
    report.register(application)
    child_help.register(application)
    queue_groups.register(application)
    digest_buttons.register(application)
    triage_buttons.register(application)
    assignment_buttons.register(application)
    blocking.register(application)
    sightings.register(application)
    staff_admin.register(application)
    staff_views.register(application)
    volunteer_registration.register(application)
    volunteer_admin.register(application)
    common.register(application)
    other_input.register(application)
    application.add_error_handler(errors.on_error)
