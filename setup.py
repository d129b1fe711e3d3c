"""Only what pyproject.toml cannot say: the top-level `resources/` and `migrations/` folders ship inside the
`app` package (as `app.resources` and `app.migrations`), next to every package found under `app/`."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["app", "app.*"]), "app.resources", "app.migrations", "app.migrations.versions"],
    package_dir={"app": "app", "app.resources": "resources", "app.migrations": "migrations"},
)
