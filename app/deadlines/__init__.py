"""Due times for every domain: deadline kinds and units, the working-day calendar, the
arithmetic that turns a limit into a due time, the sweep that runs each domain's deadline
steps in one locked transaction, and its APScheduler wiring.

It knows no domain: complaints (and, later, return visits and surveys) keep their own due
rows and policies and register what missing one means with `sweep.sweep_step`."""
