"""What plays sound: read aloud (``read_aloud``), the kiosk's side of the sound output process
(``client``), that process (``process``, run as ``python -m kiosk.play.process``) and what the
two say to each other (``protocol``, which imports no Qt).

Importing this package imports nothing: each module is imported by name, so the protocol can be
used without Qt.
"""
