from services.appointments.app import build_app
from services.appointments.settings import AppointmentsSettings
from shared.service import serve

settings = AppointmentsSettings()
serve(build_app(settings), settings)
