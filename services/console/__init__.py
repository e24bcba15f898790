"""The agents' console: queue, requests, front desk, statistics, over the services' HTTP APIs."""
