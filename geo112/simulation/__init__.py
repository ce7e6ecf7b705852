"""Simulation of the fleet over a period of calls: how many late arrivals a dispatch policy gives.

- :mod:`~geo112.simulation.calls`: the call model (rate per hour of the week, desa and category mix) fitted
  from an incident history, drawn as a Poisson stream with common random numbers.
- :mod:`~geo112.simulation.model`: the discrete-event simulator (simpy), arrays in.
- :mod:`~geo112.simulation.policies`: closest idle, dynamic MEXCLP, move-up after each dispatch; new ones plug in.
- :mod:`~geo112.simulation.results`: figures per unit type and priority with 95 % intervals, paired
  comparison, Erlang C.
- :mod:`~geo112.simulation.service`: the scenario and call model from the database and the road network (with
  what-if units), and :func:`~geo112.simulation.service.compare_policies`, which the CLI and the API run.
- :mod:`~geo112.simulation.schemas`: the API's request body.

Method, assumptions, validation and measured results: docs/coverage.md, *Simulation*.
"""
