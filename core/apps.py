from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The floor of the app graph: what every app may use (history timeline, template tags, the
    PostgreSQL extensions, page-wide middleware), importing no other app of the project."""

    name = "core"
