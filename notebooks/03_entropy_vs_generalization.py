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
# # Finding III: entropy predicts generalization
#
# **Claim (paper, Fig. 2b-c and Finding III).** Across training-set sizes and iterations, the entropy of
# the training set $\mathcal D_n$ is linear in the logarithm of the generalization score of the model trained
# on it: the paper reports a Pearson correlation of **0.91** on CIFAR-10, with points of all sizes on one
# line. The variance of the training set (trace of its covariance) relates to GS much more weakly (Fig. 2c).
#
# ```{glue:md} at_a_glance
# :format: myst
# ```
#
# We pool every (size, seed, iteration) point of the Finding I runs and report Pearson $r$ between
# $H(\mathcal D_n)$ and $\log \mathrm{GS}(n)$. Its 95% interval comes from a bootstrap over whole runs (the
# iterations of one run are not independent points). **The check:** $r \ge 0.85$ for every seed, or the
# interval's lower end above 0.85. Because the Kozachenko-Leonenko estimate falls with the number of points,
# sets of different sizes carry different offsets, so three further readings separate the pieces: the
# correlation within one size, one common slope with an intercept per size, and the pooled correlation of
# the entropy read at a fixed subsample size of 64 rows. Last, GS divided by the training set's own
# nearest-neighbour spacing, $\mathrm{GS}/\mathrm{MNND}(\mathcal D_n)$, tells "closer because $\mathcal D_n$
# is denser" from "closer because the samples copy it".

# %% tags=["parameters"]
profile = "smoke"  # the profile whose chapter 01 runs are read (results/<profile>/metrics.csv)

# %%
from collapse_lib import chapters, findings, plots, words

run = chapters.get("03_entropy_vs_generalization").run(profile)
storages = findings.common.by_storage(run.table[run.table.gs > 0])
run.settings

# %% [markdown]
# ## Entropy against log GS (Fig. 2b)
# One point per size, seed and iteration, one panel per storage. The title gives our correlation with its
# interval over runs, and the paper's.

# %%
for storage, points in storages.items():
    plots.scatter_with_r(points, "entropy", "gs", logy=True, paper_r=0.91, title=f"{words.storage_word(storage)} storage")

# %% [markdown]
# ## The same with the entropy read at 64 rows, and GS over the training set's own spacing
# Reading every set at the same size removes the estimator's offsets between sizes; dividing GS by
# $\mathrm{MNND}(\mathcal D_n)$ removes the part of its fall that only says the training set got denser.

# %%
points = storages["grid"]
plots.scatter_with_r(points, "entropy_fixed_n", "gs", logy=True, paper_r=0.91)
plots.scatter_with_r(points, "entropy", "gs_ratio", logy=True)

# %% [markdown]
# ## Variance against GS (Fig. 2c)

# %%
plots.scatter_with_r(points, "cov_trace", "gs")

# %% [markdown]
# ## What the cpu profile shows
# **Finding III does not hold at this scale, under any storage or entropy reading.** Pooled over 43 points
# (3 sizes × 3 seeds × 5 iterations, two with GS = 0 left out), the entropy of $\mathcal D_n$ and log GS correlate
# with r = 0.51 on the grid (95% interval over runs 0.39 to 0.73; per seed 0.49-0.56) against the paper's 0.91;
# under float storage r = 0.69 (0.46 to 0.85) over 30 points.
#
# A large part of the failure is an offset per size, though not all of it. Within one size the correlation is
# 0.53 (N = 64), 0.79 (N = 256) and 0.96 (N = 1,024) on the grid; with each size's mean removed, entropy and log
# GS correlate at 0.75 (0.61 under float32). A common slope of 0.023 per nat fits with intercepts of -3.10,
# -1.03 and +0.22 for N = 64, 256 and 1,024: at the same entropy, the smaller set sits an order of magnitude
# closer to its training images. Part of the offset is the estimator's: at iteration 1 the real subsets score 36,
# 23 and 12 nats, the KL estimate falling with the number of points. Reading every set at 64 rows removes that
# part and raises the pooled r to 0.76 (0.64 to 0.87), still short of 0.85: the rest of the offset is that a
# small set is easy to copy at any entropy. GS over the training set's own spacing, $\mathrm{GS}/\mathrm{MNND}(\mathcal D_n)$,
# does not follow the entropy on the grid (r = 0.00; under float32 it falls slightly as entropy rises, r = -0.20):
# the fall of GS with entropy is the training set getting denser,
# and the copying itself is what the near-copy share of Finding I measures. The variance of $\mathcal D_n$ relates
# to GS more weakly than its entropy (r = 0.37 with GS, 0.22 with log GS), as the paper's Fig. 2c reports.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
run.closing_table
