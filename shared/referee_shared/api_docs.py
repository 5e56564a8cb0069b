"""/docs (Swagger UI) and /redoc served from the project's own files, so they work without internet."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
REDOC_ASSETS = Path(__file__).parent / "static" / "redoc"
ASSETS_PREFIX = "/docs-assets"


def serve_api_docs(app: FastAPI) -> None:
    """Mount the Swagger UI and ReDoc assets and the two pages; the app must be built with docs_url=None."""
    app.mount(f"{ASSETS_PREFIX}/swagger", StaticFiles(directory=SWAGGER_ASSETS), name="swagger-assets")
    app.mount(f"{ASSETS_PREFIX}/redoc", StaticFiles(directory=REDOC_ASSETS), name="redoc-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — API",
            swagger_js_url=f"{ASSETS_PREFIX}/swagger/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PREFIX}/swagger/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PREFIX}/swagger/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} — API",
            redoc_js_url=f"{ASSETS_PREFIX}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PREFIX}/swagger/favicon-32x32.png",
            with_google_fonts=False,
        )
