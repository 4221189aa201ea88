"""Speech: pure text/cache/profile logic here; engine adapters in tts.py/asr modules."""
