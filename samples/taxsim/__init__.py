"""Tax-authority simulator: a separate HTTP service standing in for the national invoice verification platform.

The HTTP contract is in :mod:`samples.taxsim.app`; start one in a test with :func:`running_simulator`, from the
command line with ``invoice-capture taxsim``. It keeps its own SQLite registry (sqlite3), never the project's
``models`` metadata.
"""

from samples.taxsim.app import DEFAULT_ADMIN_KEY, create_app
from samples.taxsim.server import RunningSimulator, running_simulator, serve

__all__ = ["DEFAULT_ADMIN_KEY", "RunningSimulator", "create_app", "running_simulator", "serve"]
