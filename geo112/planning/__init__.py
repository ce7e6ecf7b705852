"""Planning: coverage by travel time (array models and their database assembly), expected coverage and its
busy fraction, gaps, what-if scenarios, station siting, thresholds, and the population spread over desa."""
