"""The child report bot: a Telegram bot for reporting working and street children."""
