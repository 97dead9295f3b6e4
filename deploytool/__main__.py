"""`python -m deploytool`."""

from deploytool.cli import main

main()
