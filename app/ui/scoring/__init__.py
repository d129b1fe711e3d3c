"""The monthly 考评 area: pick a month, score unit by unit, review the ranking, lock."""
