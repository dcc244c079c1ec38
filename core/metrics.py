"""/metrics for Prometheus: django-prometheus's counters plus the job outbox's depth,
served only to a scraper holding LINLI_METRICS_TOKEN or calling from an address in
LINLI_METRICS_ALLOWED_IPS (everyone else: 404, as if there were nothing here)."""

from __future__ import annotations

import contextlib
import hmac
import os

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY


class OutboxCollector:
    """Jobs waiting and failed, read from the outbox at each scrape."""

    def describe(self):
        # Registration asks for the names: answer without the database (not ready yet).
        yield self._family()

    @staticmethod
    def _family():
        return GaugeMetricFamily(
            "linli_jobs", "Background jobs in the outbox by state", labels=["state"]
        )

    def collect(self):
        from core.jobs import queue_depth

        gauge = self._family()
        try:
            depth = queue_depth()
        except Exception:  # the database is down: /readyz says so; report nothing here
            return
        for state, count in depth.items():
            gauge.add_metric([state], count)
        yield gauge


_collector = OutboxCollector()


def register_collector() -> None:
    """Once per process (CoreConfig.ready)."""
    with contextlib.suppress(ValueError):  # already registered (tests re-run ready())
        REGISTRY.register(_collector)


def allowed(request) -> bool:
    """Whether this request may read the metrics (a constant-time token comparison)."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


@login_not_required
def metrics_view(request):
    if not allowed(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several gunicorn workers: their counters summed from the shared directory, and
        # the outbox's depth read once (it is the database's, not a worker's).
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(OutboxCollector())
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
