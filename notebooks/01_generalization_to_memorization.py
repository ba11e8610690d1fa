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
# A falling GS alone does not show memorization: samples that shrink toward the mean or fade into noise also
# sit closer to the training images. So this chapter measures the copies themselves. A sample is a
# **near-copy** when its nearest training image is closer than a third of the distance to the second-nearest
# (the criterion of Carlini et al., 2023, and Yoon et al., 2023). The check: for every size, GS at the last
# iteration is below 85% of its first value **and** the near-copy share rises (by at least 0.2 with a rank
# correlation of at least 0.6, unless it starts above 0.9) **while** the samples keep the spread of images
# (covariance trace at least 0.6 of the real subset's). The first model must also have learned the data.

# %% tags=["parameters"]
profile = "smoke"  # which results/<profile>/ folder this run writes
sizes = [64, 128]  # starting training-set sizes N (nested subsets of the real data)
iterations = 3  # train/generate cycles per run
seeds = [0]  # one run per size and seed
base = None  # RunConfig values shared by every run (denoiser, training, sampling); None: profiles.SMOKE_BASE
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%
import pandas as pd

from collapse_lib import chapters, experiments, findings, plots, profiles, report

chapter = chapters.get("01_generalization_to_memorization")
base = profiles.notebook_base(base, base_changes)

report.settings_table(profile, base, training_set_sizes=sizes, iterations=iterations, seeds=seeds)

# %%
configs = experiments.sizes_configs(base, sizes=sizes, iterations=iterations, seeds=seeds)
table = experiments.run_experiment("sizes", configs, **profiles.execution(execution))
report.update_metrics_table(profile, table)
runs = {int(n): experiments.default_runs_root() / g.run.iloc[0] for n, g in table[table.seed == seeds[0]].groupby("n_train")}
result = findings.finding_1(table)

# %% [markdown]
# ## The first model draws digits
# Samples of the model trained on real images (iteration 1), one row per size, and the share of them that a
# classifier trained on the real digits assigns to one class with probability above 0.9.

# %%
classifier = experiments.real_classifier(base["dataset"])
first = {n: experiments.samples_by_iteration(run, [1], k=n)[1] for n, run in runs.items()}
fig = plots.image_rows([g[:16] for g in first.values()], [f"N = {n}" for n in first],
                       suptitle="iteration 1: samples of the model trained on real images")
result["confident_share_iteration_1"] = {n: classifier.confident_share(g) for n, g in first.items()}
pd.DataFrame({"share classified with p > 0.9": result["confident_share_iteration_1"]}).T.round(2)

# %% [markdown]
# ## Generalization score and near-copies over iterations
# First GS on a log scale, as in the paper's Fig. 1, then the share of near-copies among the samples. One
# line per starting size (the band spans the seeds when there are several).

# %%
fig = plots.metric_over_iterations(table, "gs", hue="n_train", log=True)
fig = plots.metric_over_iterations(table, "memorized_share", hue="n_train")

# %% [markdown]
# ## Generated samples beside their nearest training images (Fig. 1, left)
# For the smallest and the largest size, at the first and the last iteration: each sample above its nearest
# image in the set that model was trained on, with their distance (pixel space, images in $[-1, 1]$).

# %%
for n in (min(runs), max(runs)):
    groups = {f"iteration {it}": experiments.nearest_training_images(runs[n], it) for it in (1, iterations)}
    plots.nearest_pairs(groups, suptitle=f"N = {n}")

# %% [markdown]
# ## Samples over iterations (Figs. 15-20)
# The first twelve samples of every iteration, for the smallest and the largest size. Duplicates appear as the
# loop goes on: the models copy a shrinking set of images.

# %%
for n in (min(runs), max(runs)):
    by_it = experiments.samples_by_iteration(runs[n], range(1, iterations + 1))
    plots.image_rows(list(by_it.values()), [f"n = {it}" for it in by_it], suptitle=f"N = {n}")

# %% [markdown]
# ## Do the samples stay images?
# First the covariance trace of the samples relative to the real subset, then the Fréchet distance to the real
# set in the profile's feature space, with each size's real floor dashed: the distance of the real subset
# itself, the best a model can score at that size.

# %%
fig = plots.metric_over_iterations(table, "trace_ratio", hue="n_train", ref_lines={"real subset": 1.0})
fig = plots.metric_over_iterations(table, "fd", hue="n_train", log=True, floor="fd_floor", noise="fd_noise")

# %% [markdown]
# ## What the cpu profile shows
# At this scale the paper's transition appears. The first models learned the digits: their samples keep 0.94-0.98
# of the real subset's spread, their Fréchet distance is 1.3 to 4.5 times the floor that the real subset itself
# scores (per-pixel noise scores about 1,900), and the classifier trained on real digits labels 99-100% of them
# with confidence. Small sets are copied from the first iteration (near-copy share 0.95 at N = 64, 0.94 at
# N = 128) and the largest is not (0.11 at N = 512), as the paper sees 1,024 CIFAR-10 images copied and 32,768
# not. Over five iterations GS falls by 95-100% at every size while the near-copy share climbs to 1.00 for
# N ≤ 256 and to 0.87 for N = 512, and the samples stay images (0.69-0.84 of the real spread). The grids show
# how: from iteration 3 on the same few digits repeat, each a copy of an image of the previous training set;
# by iteration 5 about a quarter of each training set's images are distinct. The rise is not quite monotone:
# at N = 256 and N = 512 the near-copy share dips at iteration 2 (0.62 to 0.30, 0.11 to 0.05) before it climbs,
# when the first generated training set holds several slightly different copies of one real image and a
# sample near one of them is also near the others.
#
# Two differences from the paper. GS reaches 0 at N = 64: generated images are stored at the digits' 17 grey
# levels, as the real ones are, so a precise copy coincides with its training image. And the Fréchet distance
# grows over the loop, to 8 times the floor at N = 64 and 38 times at N = 512 by iteration 5: the repeated
# digits cover less and less of the real distribution, the diversity loss behind the paper's rising FID.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
print(chapter.record(profile, result))
pd.DataFrame({n: {"GS first": v["gs_first"], "GS last": v["gs_last"], "near-copies first": v["memorized"]["first"],
                  "near-copies last": v["memorized"]["last"], "trace ratio last": v["trace_ratio_last"]}
              for n, v in result["per_size"].items()}).round(3)
