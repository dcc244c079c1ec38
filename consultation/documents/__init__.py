"""What consultation's records print as: each document's data (frozen, embedded in the PDF
as JSON) and its PDF/A through the kernel's pipeline (``core.pdf``)."""
