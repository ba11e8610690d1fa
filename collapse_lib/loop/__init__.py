"""The self-consuming loop in three rooms: running one loop (``runner``, with ``iterations``, ``measure``,
``paradigms``, ``first_model``), reading runs back (``readback``), and running many (``many``, ``executors``).
Imports go one way: many -> runner -> iterations -> readback -> store. Names are loaded on first use, so
``import collapse_lib.loop`` stays cheap."""

_EXPORTS = {"ConfigError": "config", "RunConfig": "config", "load_config": "config", "run_loop": "runner",
            "read_runs": "readback", "run_many": "many"}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_EXPORTS)
