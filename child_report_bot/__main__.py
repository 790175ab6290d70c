"""``python -m child_report_bot``: start the bot (see ``bot.py``)."""

import sys

from child_report_bot.bot import main

sys.exit(main())
