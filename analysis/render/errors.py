"""The one error a render raises for bad manuscript input, with a message a person can act on."""


class RenderError(Exception):
    """The manuscript cannot be rendered (unknown variable, missing include, unknown label...)."""
