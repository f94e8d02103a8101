"""kpr-bot: the Telegram bot of a crime prevention council in Mecklenburg-Vorpommern; which council, its
area and its funding rules come from the content file (content/kpr.toml ships the Landkreis Rostock's)."""
import os

# Opt in now to python-telegram-bot's coming behaviour: durations such as RetryAfter.retry_after
# are timedeltas. Must be set before `telegram` is imported, which this package does first.
os.environ.setdefault("PTB_TIMEDELTA", "1")
