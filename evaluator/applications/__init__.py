"""Applications: intake of an organisation's figures and self-assessment, batch import, moves between
statuses, exports, and how an application is shown on pages."""
