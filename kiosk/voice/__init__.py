"""Spoken requests: understanding (pure) and recogniser adapters."""
