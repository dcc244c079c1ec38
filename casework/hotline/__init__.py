"""The 12345 hotline work-order exchange, receiving side (docs/12345.md).

``inbound``: orders from a JSON, CSV or XLSX batch become or update cases. ``actions``:
sign for, reply, return with reason, request an extension — each a row in the hotline's
outbox. ``outbound``: the transports and ``send_due``, the plain function a scheduler or
the job queue calls to send what is due, with backoff.
"""
