"""Normalised place names, so that a dispatcher's spelling finds the desa.

Callers and dispatchers write "Ds. Gedek", "Dawar Blandong", "Kel. Sooko" or old spellings ("Soekandar",
"Djati"); the key folds these onto one form: lower case, no administrative prefix, new spelling, no spaces,
and a final k written as g (Javanese names end in either, e.g. Gedeg/Gedek).
"""

from __future__ import annotations

import re
import unicodedata

_PREFIX = re.compile(r"^(?:desa|ds|kelurahan|kel|kecamatan|kec|dusun|dsn|kabupaten|kab|kota)\b\.?\s*")
_OLD_SPELLING = (
    ("oe", "u"),
    ("dj", "j"),
    ("tj", "c"),
    ("nj", "ny"),
    ("sj", "sy"),
    ("ch", "kh"),
    ("dh", "d"),
    ("th", "t"),
)
_WORD_END_K = re.compile(r"k\b")


def name_key(text: str) -> str:
    """Return the search key of a place name.

    Parameters
    ----------
    text
        A name as typed, e.g. ``"Ds. Dawar Blandong"``.

    Returns
    -------
    str
        The key, e.g. ``"dawarblandong"``; empty when nothing of a name is left.
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()
    plain = _PREFIX.sub("", plain)
    for old, new in _OLD_SPELLING:
        plain = plain.replace(old, new)
    plain = re.sub(r"[^a-z0-9 ]+", " ", plain)
    plain = _WORD_END_K.sub("g", plain)
    return re.sub(r"\s+", "", plain)
