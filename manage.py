#!/usr/bin/env python
"""Convenience entry for developers; the installed ``forlob`` command does the same."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from forlob.cli import main

if __name__ == "__main__":
    main()
