"""What the API and the pages share: who calls (``security``), the JSON API's helpers (``api``,
``parsing``, ``fields``, ``openapi``), the pages' blueprints and form helpers (``blueprints``,
``pages``), the shell every page is served in (``shell``: CSRF, security headers, language), downloads,
formatting, charts, navigation, rate limits and the one retry of a writing request that the database
failed for a write conflict (``retry``). It knows no feature: the features use it.
"""
