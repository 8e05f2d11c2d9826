"""`python -m bot` runs the `kik-bot` command line."""

from bot.cli import main

raise SystemExit(main())
