"""``python -m cdkg``: the same command line as ``cdkg``."""

from cdkg.cli import main

main()
