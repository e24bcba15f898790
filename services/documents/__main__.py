from services.documents.app import build_app
from services.documents.settings import DocumentsSettings
from shared.service import serve

settings = DocumentsSettings()
serve(build_app(settings), settings)
