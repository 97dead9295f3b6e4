"""Builders: where env is compiled (vagrant, nspawn; ssh later), one interface in base.py."""
