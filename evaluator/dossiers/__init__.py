"""Certification dossiers: the signed PDF of a recognised unit, its verification, and batches."""
