"""Import the installed nncore before pytest collects anything.

With --import-mode=importlib pytest loads doctest modules from their files unless
the package is already imported; importing it here, from sys.path (where the
installed package is, not this checkout), makes every doctest and test run
against the installed package with its compiled kernels.
"""
import nncore  # noqa: F401
