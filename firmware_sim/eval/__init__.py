"""`corsia eval`: the world, the gateway pipeline and the presence engine together, scored against ground truth.

`firmware_sim.eval.harness.run` runs a scenario; `metrics` scores it; `report` prints, writes JSON and plots.
"""
