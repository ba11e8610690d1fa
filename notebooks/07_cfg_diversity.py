# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Section 5, Fig. 4: within-class diversity under classifier-free guidance
#
# **Claim (paper, Fig. 4).** Classifier-free guidance (CFG) sharpens samples at the price of diversity. In a
# self-consuming loop on MNIST with vanilla CFG, diversity collapses: by iteration 8 the samples within a
# class are nearly identical. Choosing each training set by greedy selection keeps them varied, and keeps
# the FID lower.
#
# ```{glue:md} at_a_glance
# :format: myst
# ```
#
# We train a class-conditional denoiser (labels dropped to a null class 10% of the time) and sample with
# guidance $\hat x = \hat x_u + w(\hat x_c - \hat x_u)$ in the replace loop. With selection each class
# keeps the $N/10$ farthest-point picks of its $2N/10$ samples. Diversity is the mean within-class
# nearest-neighbour distance of the generated set. Two claims are judged at the last iteration by the book's rule
# (six seeds, paired by seed): greedy's within-class distance is higher, and its Fréchet distance lower. Both need
# first models that learned the digits. Guidance narrows each class by design, so the quality check reads the
# first models' *plain* conditional samples (guidance $w = 1$), drawn for measurement only, and reports the
# guided samples beside them.

# %% tags=["parameters"]
profile = "smoke"
n_train = 50  # a multiple of 10 (class-balanced)
iterations = 2
guidance = 1.5  # w
seeds = [0]
selectors = ["random", "greedy"]
base = None  # RunConfig values the profile changes from RunConfig's defaults; None: profiles.SMOKE_BASE
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%

from collapse_lib import chapters, pages, plots, selection, words
from collapse_lib.loop.readback import load_iteration

run = chapters.get("07_cfg_diversity").run(profile, n_train=n_train, iterations=iterations, guidance=guidance,
                                           seeds=seeds, selectors=selectors, base=base, execution=execution)
table, real_nnd = run.table, run.result["real_within_class_nnd"]
run.settings

# %% [markdown]
# ## Did the first models learn the digits?
# Guidance narrows each class toward its most typical digits by design, so the quality gate reads the first
# conditional models' *plain* conditional samples (guidance $w = 1$), drawn for measurement only; the guided
# samples' numbers stand beside them.

# %%
pages.quality_table(run.result["quality_gate"])

# %% [markdown]
# ## Within-class diversity of the samples and of the training sets
# First the samples $\mathcal G_n$, then the training sets $\mathcal D_n$, what selection hands the next
# model (at iteration 1 both are the real images). The dashed line is the real data's value.

# %%
fig = plots.metric_over_iterations(table, "within_class_nnd", hue="selector", ref_lines={"real digits": real_nnd})
fig = plots.metric_over_iterations(table, "train_within_class_nnd", hue="selector", ref_lines={"real digits": real_nnd})

# %% [markdown]
# ## Entropy of each iteration's training set (Fig. 4, right)
# The entropy of $\mathcal D_n$ (the book's estimator), with and without selection; iteration 1 is the real set.

# %%
fig = plots.metric_over_iterations(table, "entropy", hue="selector")

# %% [markdown]
# ## Fréchet distance of the guided samples
# Log scale, with the real subset's own distance dotted.

# %%
fig = plots.metric_over_iterations(table, "fd", hue="selector", log=True, floor="fd_floor", noise="fd_noise")

# %% [markdown]
# ## Samples at the first and the last iteration, one row per class
# The first model's guided samples (shared by both loops, first seed), then the last iteration's: vanilla CFG
# first, then CFG with greedy selection.

# %%
folders = run.runs_by("selector")
shown = [(selectors[0], 1, "first model (both loops)")] + [(s, iterations, selection.get(s).label) for s in selectors]
for selector, n, label in shown:
    _, gen = load_iteration(folders[selector], n)
    fig = plots.image_rows([gen.images[gen.labels == c][:10] for c in range(10)], [f"class {c}" for c in range(10)],
                           suptitle=f"{label}, iteration {n}", scale=0.5)

# %% [markdown]
# ## What the cpu profile shows
# Class-conditional runs on N = 1,000 digits (100 per class), guidance $w = 1.5$, four iterations, 3,000 steps per
# model, six seeds. The first models pass the quality check on their plain conditional samples (0.91-0.97 of the
# real spread, Fréchet distance 1.3-2.7 times the floor); their guided samples score 8.9-20.9 times the floor and
# keep 0.88-1.00 of the spread, the narrowing guidance brings by design.
#
# **The diversity claim holds; the quality claim is inconclusive.** The within-class nearest-neighbour distance of
# the samples falls from 1.45-1.65 at iteration 1 (real digits: 2.20) to 0.16-0.21 with greedy selection and
# 0.07-0.12 without at iteration 4, higher with greedy in all six seeds (p = 0.016). Selection hands on training
# sets with twice the within-class spread (0.53 against 0.27 on the mean) and a higher entropy (-66.7 against -85.3
# nats), and on the mean its models copy less (a near-copy share of 0.22 against 0.46; not tested seed by seed). The
# Fréchet distance of the guided samples is inconclusive: 450.9 against 448.3 on the mean, with per-seed differences
# from -125 to +140 (90% interval of the mean difference -84 to 115).
#
# **Look at the grids before reading the numbers as a rescue.** Both loops lose nearly all of their diversity: under
# a tenth of the real within-class distance at iteration 4. Vanilla draws one to three versions of each digit again
# and again, as the paper's vanilla loop does; greedy's rows vary more, but much of the variation is noise and
# malformed strokes rather than new, well-formed digits. The paper's reading, that selection keeps the classes from
# becoming near-identical, holds in the measured distance, and the quality claim is not supported at this scale.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
words.readable(table.pivot_table(index="iteration", columns="selector",
                                 values=["within_class_nnd", "train_within_class_nnd", "fd"]).round(3))
