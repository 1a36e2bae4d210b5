"""Audit: the hash-chained log of every change, its labels for people, and its verification."""
