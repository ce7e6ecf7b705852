"""``python -m geo112.cli``: the same as the ``geo112`` command."""

from geo112.cli import main

main()
