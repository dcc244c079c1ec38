"""django.contrib.staticfiles as Linli installs it (``INSTALLED_APPS``)."""

from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    """collectstatic without ReDoc's bundle: drf-spectacular-sidecar ships it beside Swagger
    UI, but the API docs page is Swagger UI only, and compressing ReDoc's megabytes cost
    every release (and the production test) a third of its collectstatic time."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "redoc"]
