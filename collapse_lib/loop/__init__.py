"""The self-consuming loop: configuration, run folders, paradigms with provenance, and the runner."""

from .config import ConfigError, RunConfig, load_config
from .runner import read_runs, run_loop

__all__ = ["ConfigError", "RunConfig", "load_config", "run_loop", "read_runs"]
