"""Consultation's forms, one module per concept: ``meetings`` (and minutes), ``ballots``,
``mediation``."""
