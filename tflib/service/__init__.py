"""The submission service (`tflib serve --collect`): tokens, the API, live rebuilds, review."""
