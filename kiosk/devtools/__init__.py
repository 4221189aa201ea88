"""Development tools shipped with the kiosk: the PulseAudio test rig (virtual speaker and
microphone) used by the benchmarks and the tests. Never imported by the running kiosk."""
