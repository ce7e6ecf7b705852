"""Coverage of the kabupaten by unit type: the array model (``model``), its assembly from the database and
the routed fleet with a cache (``service``), the gap layers (``gaps``) and the exports (``export``)."""
