"""Corsia's store hub and the contract every Corsia process shares.

The contract modules (`edge.protocol`, `edge.identity`, `edge.config`, `edge.store`, `edge.mqtt`) import
no web framework and no BLE library, so a gateway install stays small.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("corsia")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
