"""The terminal front end: ``pagerdrill play`` in your own terminal."""
