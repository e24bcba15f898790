"""Local development and test infrastructure: Kafka, the store and the services, as processes.

Downloads (Kafka's jars, SecantusDB's virtualenv) are cached under ~/.cache/relais
($RELAIS_CACHE_DIR); data, pid files and logs live in the checkout's git-ignored var/. Only
processes started from this checkout (found by pid file and command line) are ever stopped.
"""

from tools.devstack.infra import Infra, infra_down, infra_up
from tools.devstack.launcher import ServiceHandle, start_services, stop_services
from tools.devstack.paths import DevstackError, cache_dir, var_dir
from tools.devstack.processes import ManagedProcess, wait_ready
from tools.devstack.services import SERVICES, ExtraPort, ServiceSpec, shifted
from tools.devstack.stack import StackUp, Status, run_stack, stack_down, stack_status, stack_up

__all__ = [
    "SERVICES",
    "DevstackError",
    "ExtraPort",
    "Infra",
    "ManagedProcess",
    "ServiceHandle",
    "ServiceSpec",
    "StackUp",
    "Status",
    "cache_dir",
    "infra_down",
    "infra_up",
    "run_stack",
    "shifted",
    "stack_down",
    "stack_status",
    "stack_up",
    "start_services",
    "stop_services",
    "var_dir",
    "wait_ready",
]
