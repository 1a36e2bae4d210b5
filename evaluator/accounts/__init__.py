"""Accounts: users, organisations, regions, sign-in sessions and bearer tokens, passwords, and the
policy of who may do what."""
