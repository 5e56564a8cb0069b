from referee_shared.serve import serve

from .app import create_app
from .settings import SettlementSettings

serve(SettlementSettings(), create_app)  # type: ignore[arg-type]
