import sys

from . import _startup
from .cli import main

_startup.install()  # already done by the package import where Python tells the module (3.10+)

sys.exit(main())
