"""The bundle's entry point (packaging/dangjian.spec): both executables run this script.

`dangjian` (windowed on Windows: no console window) opens the main window when started with no arguments, as a
double-click starts it; `dangjian-cli` is the same program with a console, for the commands."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen program re-runs itself for the spawned workers of the year-end packets (app/services/packets.py):
    # freeze_support() makes such a run serve the worker instead of starting the app again.
    multiprocessing.freeze_support()
    from app.cli import main

    sys.exit(main(sys.argv[1:]))
