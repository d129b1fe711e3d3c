"""Domain services: plain Python, no Qt.  Each takes a session factory, runs one unit of work per call in one
transaction, validates its inputs itself and returns dataclasses."""
