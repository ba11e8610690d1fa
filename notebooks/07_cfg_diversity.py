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
import pandas as pd

from collapse_lib import chapters, plots, selection, words
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
words.readable(pd.DataFrame(run.result["quality_gate"]["per_size"]).T.round(2))

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
# ## Samples at the last iteration, one row per class
# Vanilla CFG first, then CFG with greedy selection (first seed).

# %%
for selector, folder in run.runs_by("selector").items():
    _, gen = load_iteration(folder, iterations)
    plots.image_rows([gen.images[gen.labels == c][:10] for c in range(10)], [f"class {c}" for c in range(10)],
                     suptitle=f"{selection.get(selector).label}, iteration {iterations}")

# %% [markdown]
# ## What the cpu profile shows
# **Neither claim can be judged at this scale: the guided first models fail the quality check** (their Fréchet
# distance is 12-14 times the floor against the real digits outside the training set; the check asks for at most
# 5, while their samples keep 0.90-1.00 of the real spread and a classifier reads their digits). That is a cost of
# guidance, which pulls each class toward its most typical digits, rather than a model that did not learn; but a
# claim about the quality of guided samples cannot rest on samples that fail the book's quality check.
#
# What the runs show, for the record. With 1,000 digits (100 per class), guidance $w = 1.5$, three seeds and 3,000
# steps per model, the within-class nearest-neighbour distance of the samples falls from 1.49-1.65 at iteration 1 (the
# real digits: 2.20) to 0.157-0.209 with greedy selection and 0.106-0.140 without at iteration 4, every greedy seed
# above every vanilla seed; the Fréchet distance is 457 against 498 on the mean, lower in 7 of 9 pairs. Both loops
# lose most of their diversity, as the paper's vanilla loop does: in the grids at iteration 4 vanilla draws one
# digit per class again and again and greedy two or three, some malformed, so neither keeps the real data's variety
# (under 10% of its within-class distance). Selection hands on training sets with nearly twice the within-class
# spread (0.50-0.63 against 0.30 at iteration 4) and a higher entropy (-66 against -83 nats), but each guided model
# draws samples with a third to two fifths of its own training set's spread, and the advantage is cut down at every step.
#
# Two other settings were tried while this one was chosen, in exploratory runs that are not part of this build
# (so their numbers are not repeated here): with 500 digits (50 per class) selection made no lasting difference,
# and at $w = 3$ the samples' spread grew past the real data's over the loop and the two loops ended level.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
words.readable(table.pivot_table(index="iteration", columns="selector",
                                 values=["within_class_nnd", "train_within_class_nnd", "fd"]).round(3))
