from app.cli import main

# The guard matters: worker processes (year-end packets) are spawned and import this module again.
if __name__ == "__main__":
    raise SystemExit(main())
