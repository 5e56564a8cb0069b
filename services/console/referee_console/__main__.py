from referee_shared.serve import serve

from .app import create_app
from .settings import ConsoleSettings

serve(ConsoleSettings(), create_app)  # type: ignore[arg-type]
