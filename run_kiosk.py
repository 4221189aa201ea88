#!/usr/bin/env python3
"""Thin entry point: ``python run_kiosk.py [check|bench|...]``; everything lives in ``kiosk``."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main(program=True))
