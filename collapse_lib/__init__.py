"""collapse_lib: self-consuming diffusion experiments and the metrics and selectors behind them.

Reproduces *A Closer Look at Model Collapse: From a Generalization-to-Memorization Perspective*
(arXiv 2509.16499). Rooms: ``metrics``, ``neighbors``, ``selection`` (pure functions on arrays);
``data``, ``features``, ``models``, ``diffusion``, ``loop`` (the self-consuming loop); ``plots``; ``cli``.
"""

__version__ = "0.1.0"

import warnings as _warnings

# diffusers and huggingface_hub import tqdm.auto, which warns in a Jupyter kernel without ipywidgets; this
# library's own progress bars are plain tqdm and off in notebooks, so the warning says nothing useful there.
_warnings.filterwarnings("ignore", message="IProgress not found")
