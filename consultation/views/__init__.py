"""Consultation's pages, one module per concept: ``meetings``, ``minutes``, ``archive``,
``ballots``, ``mediation``, ``agreement`` and ``dossier``. Plain function views: objects
come from scoped selectors (not visible = 404), writes go through the services (not
allowed = 403)."""
