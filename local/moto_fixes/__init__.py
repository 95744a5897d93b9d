"""Emulator-only speed fixes to moto 5.2.5, applied by importing each module (see local/moto_server.py)."""
