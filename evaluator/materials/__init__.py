"""Materials: the evidence files of an application — upload limits and sniffing, storage by SHA-256,
the evidence checklist."""
