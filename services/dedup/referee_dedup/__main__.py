from referee_shared.serve import serve

from .app import create_app
from .settings import DedupSettings

serve(DedupSettings(), create_app)  # type: ignore[arg-type]
