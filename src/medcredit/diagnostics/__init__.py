"""Problems and errors: located messages every layer reports through (lowest layer)."""
