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
# # Finding I: generalization gives way to memorization
#
# **Claim (paper, Fig. 1 and Finding I).** When a diffusion model is retrained on its own samples (the
# *replace* paradigm, $\mathcal D_{n+1} = \mathcal G_n$), its samples turn from new images into copies of its
# training set. The generalization score $\mathrm{GS}(n)$, the mean distance from a generated image to its
# nearest training image (Eq. 1), falls almost exponentially with the iteration $n$. On nested CIFAR-10
# subsets of 1,024 to 32,768 images, larger sets hold out longer, and at 1,024 images the model copies its
# training set from the first iteration on.
#
# ```{glue:md} at_a_glance
# :format: myst
# ```
#
# A falling GS alone does not show memorization: samples that shrink toward the mean or fade into noise also
# sit closer to the training images. So this chapter counts the copies. A sample is a **near-copy** when its
# nearest training image is closer than a third of the distance to the nearest *different* image (the ratio
# test of Carlini et al., 2023, and Yoon et al., 2023), where training images closer to each other than a
# quarter of the real subset's nearest-neighbour spacing count as one image (the method page explains why:
# once a training set holds several versions of one image, the plain test compares a copy with another copy
# and misses it). The plain test is reported beside it.
#
# **The check**, for every size and every seed: GS at the last iteration is below 85% of its first value; the
# near-copy share rises (by at least 0.2 with a rank correlation of at least 0.6, unless it starts above 0.9);
# the samples keep the spread of images (covariance trace at least 0.6 of the real subset's); at iteration 1
# the smallest set is copied (a near-copy share at least 0.2 above the largest's); and the first iteration
# at which more than half of the samples are near-copies never comes earlier for a larger set. The first
# models must also have learned the data. Each part is judged under both ways of storing the samples (on the
# digits' 17 grey levels, as real digits are stored, and as float32) and both copy tests.

# %% tags=["parameters"]
profile = "smoke"  # which results/<profile>/ folder this run writes
sizes = [64, 128]  # starting training-set sizes N (nested subsets of the real data)
float_sizes = [64, 128]  # sizes also run with samples stored as float32 (the second storage)
iterations = 3  # train/generate cycles per run
seeds = [0]  # one run per size, storage and seed
base = None  # RunConfig values the profile changes from RunConfig's defaults; None: profiles.SMOKE_BASE
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%
import pandas as pd

from collapse_lib import chapters, experiments, plots, words

run = chapters.get("01_generalization_to_memorization").run(
    profile, sizes=sizes, float_sizes=float_sizes, iterations=iterations, seeds=seeds, base=base, execution=execution)
table, grid_runs, float_runs = run.table, run.runs_by(quantize_samples=True), run.runs_by(quantize_samples=False)
run.settings

# %% [markdown]
# ## The first models draw digits
# Samples of the models trained on real images (iteration 1, seed 0), one row per size, and the share of them
# that a classifier trained on the real digits assigns to one class with probability above 0.9.

# %%
first = {n: experiments.samples_by_iteration(folder, [1], k=16)[1] for n, folder in grid_runs.items()}
fig = plots.image_rows(list(first.values()), [f"N = {n}" for n in first],
                       suptitle="iteration 1: samples of the models trained on real images")
words.readable(pd.DataFrame({"share classified with p > 0.9": run.result["confident_share_iteration_1"]}).T.round(2))

# %% [markdown]
# ## Generalization score and near-copies over iterations (Fig. 1, right)
# GS on a log scale, as in the paper's Fig. 1; then the share of near-copies, first with near-duplicates merged
# (the check's test), then with the plain ratio test. Solid lines: samples stored on the grey levels; dashed:
# stored as float32. Each line is the mean over seeds, its band the range.

# %%
fig = plots.metric_over_iterations(table, "gs", hue="n_train", log=True)
fig = plots.metric_over_iterations(table, "memorized_share", hue="n_train")
fig = plots.metric_over_iterations(table, "memorized_share_raw", hue="n_train")

# %% [markdown]
# ## Generated samples beside their nearest training images (Fig. 1, left)
# For the smallest and the largest size, at the first and the last iteration, under both storages: each sample
# above its nearest image in the set that model was trained on, with their distance (pixel space, images in
# $[-1, 1]$; in the real subsets a digit's nearest neighbour sits 2.2 (N = 1,024) to 3.3 (N = 64) away).

# %%
for storage, runs in ((words.Storage.GRID, grid_runs), (words.Storage.FLOAT, float_runs)):
    for n in sorted({min(runs), max(runs)}) if runs else []:
        groups = {f"iteration {it}": experiments.nearest_training_images(runs[n], it) for it in (1, iterations)}
        plots.nearest_pairs(groups, suptitle=f"N = {n}, {storage.word} storage")

# %% [markdown]
# ## Samples over iterations (Figs. 15-20)
# The first twelve samples of every iteration, for every size (grey levels), then for the sizes also stored as
# float32. Repeats appear as the loop goes on: the models copy a shrinking set of images.

# %%
for storage, runs in ((words.Storage.GRID, grid_runs), (words.Storage.FLOAT, float_runs)):
    for n, folder in runs.items():
        by_it = experiments.samples_by_iteration(folder, range(1, iterations + 1))
        plots.image_rows(list(by_it.values()), [f"n = {it}" for it in by_it], suptitle=f"N = {n}, {storage.word} storage")

# %% [markdown]
# ## How much the merge scale matters
# The check merges training images closer than a quarter of the real subset's nearest-neighbour spacing. The
# table recomputes the near-copy share of the smallest and the largest size (seed 0) with that fraction halved
# and doubled, and with the plain test (fraction 0), at the first and the last iteration, under both storages.

# %%
words.readable(experiments.merge_scale_sensitivity({"grid": grid_runs, "float32": float_runs},
                                                   fractions=(0.0, 0.125, 0.25, 0.5), iterations=(1, iterations)))

# %% [markdown]
# ## A copy of one image, or of a cluster?
# The merged test counts a sample as a copy when it sits close to a *cluster* of training images that lie within
# the merge scale of each other. Once a training set holds many versions of a few digits, such a cluster is a set
# of near-duplicates, and where the merge scale exceeds the training set's own nearest-neighbour spacing
# $\mathrm{MNND}(\mathcal D_n)$, what is counted is a copy of a cluster rather than of one image. The figure
# shows $\mathrm{GS}/\mathrm{MNND}(\mathcal D_n)$ (below 1: samples sit closer to a training image than training
# images sit to each other); the table puts the merge scale beside $\mathrm{MNND}(\mathcal D_n)$ at the first
# and the last iteration (means over seeds).

# %%
fig = plots.metric_over_iterations(table, "gs_ratio", hue="n_train", log=True)
clusters = pd.concat({s: pd.DataFrame(v).T for s, v in run.result["clusters"].items()}, names=["storage", "N"])
clusters.round(3)

# %% [markdown]
# ## Do the samples stay images?
# The covariance trace of the samples relative to the real subset's, then their Fréchet distance to real digits
# outside the training subset (classifier features), with each size's floor dotted: the distance of the real
# subset itself, the best a model can score at that size.

# %%
fig = plots.metric_over_iterations(table, "trace_ratio", hue="n_train", ref_lines={"real subset": 1.0})
fig = plots.metric_over_iterations(table, "fd", hue="n_train", log=True, floor="fd_floor", noise="fd_noise")

# %% [markdown]
# ## What the cpu profile shows
# **The transition appears, for every seed, with the copy test that merges near-duplicates, under both
# storages; one part fails under float32 storage.** The first models learned the digits: for every seed their
# samples keep 0.90-0.99 of the real subset's spread and score a Fréchet distance 1.3-2.7 times the real floor
# (per-pixel noise scores about 1,900), and a classifier trained on real digits labels 96-100% of seed 0's
# samples with confidence. Small sets are copied from the first iteration and the largest is not: the near-copy share at
# iteration 1 is 0.95-0.98 at N = 64, 0.55-0.62 at N = 256 and 0.00 at N = 1,024, as the paper sees 1,024
# CIFAR-10 images copied and 32,768 not. The grids show it: N = 64's first samples are its training digits,
# N = 1,024's are new, rougher digits.
#
# Over five iterations on the grey levels GS falls to 0.00-0.42 of its first value at N = 64 (where copies
# become exact and GS reaches 0), 0.003-0.045 at N = 256 and 0.033-0.051 at N = 1,024, and the near-copy share
# ends at 0.94-1.00 at every size, while the samples keep 0.69-0.85 of the real spread. The largest set holds
# out longest: more than half of its samples are near-copies from iteration 4 on in every seed, the two smaller
# sets from iteration 1. By iteration 5 the training sets hold 22-41% distinct images, and the grids show a few
# digits repeated.
#
# **Float32 storage** gives the same picture through the merged test (N = 1,024: 0.00 → 0.97-0.99, over one half
# from iteration 4), and shows why the plain test is not used: it counts 0.00 near-copies at N = 1,024 at every
# iteration (at most 0.01), and at N = 64 its share *falls* from 0.95-0.98 to 0.02-0.05, while GS at N = 1,024 falls 13- to
# 15-fold. Each sample's nearest and second-nearest training images are then two versions of the digit it
# copies. One check fails under float storage: at N = 64 GS does not fall for seeds 1 and 2 (1.05 and 0.98 of
# its first value; seed 0: 0.78). That set is copied from the first iteration (GS 0.12-0.14, about a
# twenty-fifth of its real images' nearest-neighbour spacing of 3.3) and later
# models copy their copies just as closely; only rounding to the grey levels makes the copies exact. Under grid
# storage the plain test dips at iteration 2 at N = 256 (0.28-0.34, where the merged test reads 0.56-0.69), and
# under float32 at N = 64 (0.31-0.39 against 0.92-1.00): the first generated training set holds several versions of each copied digit, the failure the
# first builds of this book reported as a dip in copying. It recovers as the grid snaps versions together, and
# still sees fewer copies at N = 1,024 (0.61-0.76 at iteration 5).
#
# Two differences from the paper remain. GS reaches 0 at N = 64 because stored copies coincide with their
# training images. And the Fréchet distance grows over the loop, to 7-16 times the floor by iteration 5: the
# repeated digits cover less and less of the real distribution, the diversity loss behind the paper's rising
# FID.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
run.closing_table
