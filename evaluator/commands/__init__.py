"""Command-line commands of the service shell (database, accounts, audit, demo data)."""
