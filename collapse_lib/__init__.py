"""collapse_lib: self-consuming diffusion experiments and the metrics and selectors behind them.

Reproduces *A Closer Look at Model Collapse: From a Generalization-to-Memorization Perspective*
(arXiv 2509.16499). Rooms: ``metrics``, ``neighbors``, ``selection`` (pure functions on arrays);
``data``, ``features``, ``models``, ``diffusion``, ``loop`` (the self-consuming loop); ``plots``; ``cli``.
"""

__version__ = "0.1.0"
