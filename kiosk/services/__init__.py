"""Qt services: content watching, idle timing. They emit signals; they never touch widgets."""
