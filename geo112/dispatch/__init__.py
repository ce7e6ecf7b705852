"""Dispatch: incidents, units and their state machine, assignments, recommendations, responder links, and
the configuration dispatchers depend on (unit types, the category matrix, stations), with the API schemas."""
