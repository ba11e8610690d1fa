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
# **The check.** Five sizes (64 to 1,024 digits), five iterations, three seeds, each seed its own nested real
# subsets. Each part is one effect per seed, judged by the book's rule (a one-sided paired t-test over the seeds;
# the method page states it), at every size where it concerns a size: GS at the last iteration is below its first
# value; the near-copy share rises (a size copied from the first iteration, at 0.9 or more, must stay there); the
# samples keep the spread of images (a covariance trace above 0.6 of the real subset's); at iteration 1 the
# smallest set's near-copy share exceeds the largest's by more than 0.2; and the rank correlation between N and
# the first iteration with more than half near-copies is positive. The claim holds when every part does, and the
# first models must have learned the data. Each part is judged under both ways of storing the samples (on the
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

from collapse_lib import chapters, experiments, pages, plots, words

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
pages.cluster_table(run.result["clusters"])

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
# **Finding I holds, every part of it, at every size on the grid, and at the two sizes also run with float32 storage
# (N = 64 and 1,024), with the copy test that merges near-duplicates.** The first models learned the digits (the
# verdict below gives their spread and Fréchet distance against the real floor, and the table above the share of
# their samples a classifier reads with confidence). The sizes span the transition the paper describes: at the first
# iteration the two smallest sets are copied almost entirely and the largest not at all, as the paper sees 1,024
# CIFAR-10 images copied and 32,768 not; the grids show N = 64's first samples are its training digits and N =
# 1,024's new ones. Over five iterations GS falls at every size and the near-copy share rises to nearly one
# everywhere. The iteration at which the share first crosses one half never comes earlier for a larger set: 1, 1, 1,
# 3 and 4 from the smallest size to the largest, so the three smallest sets tie.
#
# **Copies of clusters.** By the last iteration the training sets hold many versions of a few digits: their own
# nearest-neighbour spacing falls far below the merge scale of the copy test (the table under "A copy of one image,
# or of a cluster?"). From there on, what the merged test counts is a sample landing in a cluster of near-duplicate
# training images, a copy of a *cluster* rather than of one image. Under float32 storage this is plain at N = 1,024:
# GS over the training set's spacing *rises* above one, because the spacing inside the clusters collapses faster
# than the samples approach them, while 97-99% of the samples still land in a cluster.
#
# **The plain ratio test is the one choice under which a part is contradicted**: with float32 storage at N = 64 its
# near-copy share falls over the loop (0.95-1.00 at iteration 1, 0.02-0.03 at iteration 5) where the merged test's
# rises, and at N = 1,024 it stays near zero. Our reading, not measured: the nearest and second-nearest training
# images of a copy are then two versions of the same digit. Under the grid, rounding snaps versions together and the
# plain test sees the rise too.
#
# Two differences from the paper remain. GS reaches 0 on the grid at N = 64, and in two of the three seeds at N =
# 128, where stored copies coincide with their training images. And the Fréchet distance grows over the loop to
# between 6.2 and 20 times the floor by the last iteration on the grid (5.5 to 12 times under float32), both of N
# samples: the repeated digits cover less and less of the real distribution, the diversity loss behind the paper's
# rising FID.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
run.closing_table
