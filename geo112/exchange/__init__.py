"""Exchange with other 112s: hand-offs of calls that belong to another kabupaten/kota, and CAP 1.2 alerts
(written, parsed and fed as Atom) that carry them between call centres."""
