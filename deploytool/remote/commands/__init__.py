"""remote/commands."""
