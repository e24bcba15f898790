"""Operations on the log that both the `relais` command and the console's operations page use:
consumer lag, dead letters, replay of dead letters."""
