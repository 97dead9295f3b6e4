"""deploytool: build and deploy small self-contained Python web services over SSH and as .debs."""

__version__ = "0.1.0"
