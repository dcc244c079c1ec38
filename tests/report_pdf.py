"""Asking for the report PDF as a user does: the request queues a job (#21: a PDF never
holds a web worker), the job runs after the commit, and the file is downloaded from the
user's exports page."""

from __future__ import annotations

from django.urls import reverse

from casework.report_documents import REPORT_PDF_JOB
from core.models import Job, JobStatus


def fetch_report_pdf(client, capture, params=None, **headers):
    """The report PDF's download response for ``params`` (after the job ran)."""
    with capture(execute=True):
        asked = client.get(reverse("casework:report_pdf"), params or {}, **headers)
    assert asked.status_code == 302 and asked["Location"] == reverse("casework:my_exports")
    job = Job.objects.filter(kind=REPORT_PDF_JOB).latest("id")
    assert job.status == JobStatus.DONE, job.last_error
    return client.get(reverse("casework:my_export_download", args=[job.pk]), **headers)
