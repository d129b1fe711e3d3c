"""What a 单位填报员 sees: its unit's 自评 and results, and its 整改 progress (app/ui/unitentry/pages.py)."""
