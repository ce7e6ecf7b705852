"""gunicorn settings of geo112 (``gunicorn -c python:web.gunicorn_config "web:create_app()"``).

Every gunicorn geo112 starts reads this: the logs redact responder tokens, and no instance opens gunicorn's
default control socket (one path per user, which a second instance on the machine would take over); a
process that needs one names its own with ``--control-socket``.
"""

from geo112.config import limit_native_threads

# Before any worker loads numpy or pykdtree: OpenMP reads its thread count once (geo112.config).
limit_native_threads()

logger_class = "web.logging.GunicornLogger"
control_socket_disable = True
