"""The browser front end: ``pagerdrill serve``, the war room."""
