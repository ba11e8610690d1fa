"""collapse_lib: self-consuming diffusion experiments and the metrics and selectors behind them.

Reproduces *A Closer Look at Model Collapse: From a Generalization-to-Memorization Perspective*
(arXiv 2509.16499). Rooms: ``metrics``, ``neighbors``, ``selection`` (pure functions on arrays);
``data``, ``features``, ``models``, ``diffusion``, ``loop`` (the self-consuming loop); ``experiments``,
``findings`` and ``verdicts`` (the paper's experiments and their checks); ``report``, ``plots``; ``cli``.
"""

__version__ = "0.1.0"

import warnings as _warnings

# tqdm.auto (imported here, by diffusers and by huggingface_hub) warns on import in a Jupyter kernel without
# ipywidgets; the bars still work as text, so the warning only adds noise (and a local path) to executed pages.
_warnings.filterwarnings("ignore", message="IProgress not found")
