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
# We read the runs of Finding I: five sizes (64 to 1,024 digits), five iterations, three seeds, each seed its own
# real subset. Each seed's points (every size and iteration) give one Pearson $r$ between $H(\mathcal D_n)$ and
# $\log \mathrm{GS}(n)$; the points of one seed share its data and are not independent of each other, so the seed
# is the unit. **The check:** the per-seed $r$, on Fisher's $z$ scale, lies above 0.85 by the book's rule (a
# one-sided t-test over the seeds). Because the Kozachenko-Leonenko estimate falls with the number of points, sets
# of different sizes carry different offsets, so the same check is read four ways: pooled over every size (the
# paper's claim), without the sizes a model copies from the first iteration, with the entropy read at a fixed
# subsample size of 64 rows, and within each size (the mean of the per-size correlations). Beside them: one
# common slope with an intercept per size, and GS over the training set's own nearest-neighbour spacing,
# $\mathrm{GS}/\mathrm{MNND}(\mathcal D_n)$, which tells "closer because $\mathcal D_n$ is denser" from "closer
# because the samples copy it".

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
# **Finding III, as the paper states it (one line through every size), is contradicted at this scale; inside one
# size the correlation is high but, with three seeds, not confirmed.** Pooled over the five sizes on the grid, the
# entropy of $\mathcal D_n$ and $\log \mathrm{GS}$ correlate at r = 0.56 on average over the seeds (0.54 to 0.59;
# the paper: 0.91), below the 0.85 the check asks for; the test runs on Fisher's z of each seed's r, so the interval
# in the verdict is on that scale (z = 1.26 is r = 0.85). Reading every set at 64 rows, which removes the
# estimator's dependence on N, raises the grid's r to 0.78, still below 0.85. The reason is an offset per size:
# fitted with one common slope, each size gets its own intercept, rising from −2.92 at N = 64 through −2.29, −0.89
# and −0.22 to 0.20 at N = 1,024, so at the same entropy a smaller set sits much closer to its training images.
#
# Within each size the correlation is high (the table gives it per size: mean r 0.94 on the grid, 0.91 under
# float32), but with three seeds its mean is not significantly above 0.85: inconclusive. Leaving out N = 64, which
# is copied from the first iteration, raises the grid's pooled r from 0.56 to 0.71, still below 0.85 (contradicted).
# Under float32 only N = 64 and 1,024 were run, so leaving out N = 64 leaves one size: that reading is the
# within-size correlation at N = 1,024 (r = 0.96-0.97 per seed), not a test of one line through several sizes, so
# the book does not judge it as one. GS over the training set's own spacing does not follow the entropy; our
# reading, not tested, is that the fall of GS with entropy is the training set getting denser, and the copying
# itself is what the near-copy share of Finding I measures. Whether the variance relates to GS more weakly than the
# entropy (Fig. 2c) is inconclusive: the difference goes that way on the mean, not in every seed.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
run.closing_table
