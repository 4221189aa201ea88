"""What listens: spoken requests, from the microphone to a topic or command.

The voice input process (``process``, run as ``python -m kiosk.listen.process``), the kiosk's
side of it (``client``) and what the two say to each other (``protocol``); finding the request
in the audio (``endpoint``, ``hearing``), noise reduction (``denoise``), the recognisers
(``engines``: ``engines.vosk``, ``engines.pocketsphinx``), the request language built from the
content (``language``), matching a transcript (``matching``, ``commands``) and the voice
dialogue (``dialogue``).

Importing this package imports nothing: each module is imported by name. Only ``process`` and
``client`` use Qt; the rest is pure (an engine is imported only when it is used).
"""
