"""gunicorn settings it reads by itself: ``./gunicorn.conf.py`` of the directory it starts in
(README's deployment command and ``bench`` start it from the repository root).

gunicorn ≥ 25.1 opens a control socket for ``gunicornc`` unless told otherwise, in
``$XDG_RUNTIME_DIR`` or else ``~/.gunicorn/`` — outside the deployment, shared by every
gunicorn of the user, and left behind. It is off here; ``FANGKONG_GUNICORN_CONTROL=1`` puts
it under the var directory (``<var>/gunicorn.ctl``) for an operator who wants ``gunicornc``.
Older gunicorn releases ignore these names.
"""

import os
from pathlib import Path

if os.environ.get("FANGKONG_GUNICORN_CONTROL") == "1":
    _var = Path(os.environ.get("FANGKONG_VAR_DIR", Path(__file__).resolve().parent / "var"))
    control_socket = str(_var.resolve() / "gunicorn.ctl")
else:
    control_socket_disable = True
