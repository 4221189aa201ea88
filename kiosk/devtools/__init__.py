"""Development tools shipped with the kiosk, for the tests and ``python run_kiosk.py bench``.

The audio rig (``rig``: a private PulseAudio server with a virtual speaker and microphone;
``recorder``: what the speaker plays, on a timeline; ``speechcheck``: make test speech and
transcribe it), the soak run, the bad-content generator, the voice set, the scale bench, the
matcher's calibration, the paint clock and small statistics. Never imported by the running
kiosk: only ``kiosk.bench`` may import it (``tests/unit/test_layering.py`` checks this)."""
