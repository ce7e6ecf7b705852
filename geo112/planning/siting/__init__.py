"""Station siting: MCLP and p-median on arrays (``model``) and their assembly from the database and the
routing engine for the kabupaten (``service``)."""
