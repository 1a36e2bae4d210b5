"""Vetting: the county office's endorsement and the city office's recommendation within its quota, and
who enters expert review."""
