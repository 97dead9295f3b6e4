"""Releases on hosts: the push plan, locks, switch, health gate, rollback, journal."""
