"""The web pages: a supplier check for officers, and entity, alert and review pages for
auditors, rendered on the server (no JavaScript needed, nothing fetched from elsewhere)."""
