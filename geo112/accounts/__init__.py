"""The people who log in: users, roles and password checks."""
