"""Incident analytics: counts, response intervals, threshold compliance and heat maps over the incident
history (``figures``), and the labelled synthetic history the demo analyses (``history``)."""
