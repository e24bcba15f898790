from services.payments.app import build_app
from services.payments.settings import PaymentsSettings
from shared.service import serve

settings = PaymentsSettings()
serve(build_app(settings), settings)
