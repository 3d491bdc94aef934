"""`python -m app.cli`, as the `testigo` command."""

from app.cli import main

main()
