"""Administrative geography: which desa, kecamatan and jurisdiction a point lies in, desa search by name,
the normalised name keys behind it, and the checks on coordinates that arrive as text."""
