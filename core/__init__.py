"""Linli's shared kernel: what both apps build on and neither owns.

It imports Django (and well-kept libraries), never ``casework`` or ``consultation``.
"""
