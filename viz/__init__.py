"""Pictures of what tinygrad_dl computes: computation graphs (graphviz), training plots and
the hyperparameter-search plot.

    from tinygrad_dl.viz import draw_graph, render_graph, plot_learning_curves
"""

from .graph import GraphvizNotFoundError, draw_graph, render_graph
from .plots import (
    confusion_matrix,
    plot_confusion_matrix,
    plot_learning_curves,
    plot_lr_schedule,
    plot_smooth_loss,
    plot_weight_templates,
    template_smoothness,
)
from .search_plot import plot_search

__all__ = [
    "GraphvizNotFoundError", "confusion_matrix", "draw_graph", "plot_confusion_matrix",
    "plot_learning_curves", "plot_lr_schedule", "plot_search", "plot_smooth_loss",
    "plot_weight_templates",
    "render_graph", "template_smoothness",
]
