"""`python -m bot` does what the `kpr-bot` console script does."""
from bot.cli import main

raise SystemExit(main())
