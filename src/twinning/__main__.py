"""``python -m twinning``: the same as the ``twinning`` command."""

from .cli import main

main()
