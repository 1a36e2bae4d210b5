"""The web shell: authentication of requests and (later) server-rendered pages."""
