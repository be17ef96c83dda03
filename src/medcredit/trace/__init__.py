"""What an evaluation returns: the result and its explanation trace."""
