"""The file helpers live in lofi_site/files.py now (one copy for every app). This name remains only for
distribution.services.publishing's import while that module is being edited; import from lofi_site.files."""

from lofi_site.files import PRIVATE, PUBLIC, local_copy, store_file

__all__ = ["PRIVATE", "PUBLIC", "local_copy", "store_file"]
