"""The simulated merger "Nye Moss": an organisation, its Microsoft 365 usage and planted effects.

No Django imports: the simulator takes a :class:`~veikart.demo.simulator.config.SimulationConfig`
and writes files in exactly the formats a real municipality would give Veikart. See
docs/developer/simulator.md.
"""
