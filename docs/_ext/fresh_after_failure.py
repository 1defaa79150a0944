"""After a build that warned or failed, the next build starts from scratch.

Sphinx keeps what it read in a pickled environment and, next time, reads only the
pages whose sources changed.  A page whose figure failed to draw would then not be
read again, and the next build would succeed with the figure missing.  So when a
build logs a warning or an error, or stops on an exception, the saved environment
is deleted: the next build reads every page again, and is complete or fails.
"""
import logging
import os


class _Seen(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += 1


def setup(app):
    seen = _Seen()
    logging.getLogger("sphinx").addHandler(seen)

    def forget_environment(app, exception):
        logging.getLogger("sphinx").removeHandler(seen)
        if exception is not None or seen.count:
            pickle = os.path.join(app.doctreedir, "environment.pickle")
            if os.path.exists(pickle):
                os.unlink(pickle)

    app.connect("build-finished", forget_environment)
    return {"parallel_read_safe": True, "version": "1"}
