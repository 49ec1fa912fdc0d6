"""Dialogs (``ModalScreen``): each returns its answer through ``dismiss``."""
