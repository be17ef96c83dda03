"""YAML pack tests (*.cases.yaml): the runner and the pytest plugin that collects them."""
