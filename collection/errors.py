class CollectionError(Exception):
    """Refused; the message names the field and the problem in Chinese, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
