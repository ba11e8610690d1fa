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
# *replace* paradigm, $\mathcal D_{n+1} = \mathcal G_n$), the generalization score
# $\mathrm{GS}(n)$, the mean distance from each generated image to its nearest training image (Eq. 1),
# falls nearly exponentially with the iteration $n$. The paper shows this on nested CIFAR-10 subsets of
# 1,024 to 32,768 images: the larger the starting set, the slower the fall, and at 1,024 images the model
# copies its training set from the first iteration on.
#
# Here we run the same loop at this profile's scale (see the parameters below and the book's
# introduction for what each profile is) and check: GS at the last iteration is below 85% of GS at
# iteration 1 for every size, and the smallest size loses the largest fraction.

# %% tags=["parameters"]
profile = "smoke"  # which results/<profile>/ folder this run writes
sizes = [64, 128]  # starting training-set sizes N (nested subsets of the real data)
iterations = 3  # train/generate cycles per run
seeds = [0]  # one run per size and seed
base = {  # RunConfig values shared by every run of this notebook (denoiser, training, sampling)
    "dataset": "digits", "model": "mlp", "width": 64, "blocks": 2, "train_steps": 150, "batch_size": 128,
    "lr": 0.002, "warmup_steps": 20, "sampler": "ddim", "sample_steps": 20, "threads": 2,
    "fd_feature": "pixel", "save_models": False,
}
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
workers = 1  # runs trained at once, each in its own process (set threads to cores divided by workers)

# %%
base = {**base, **base_changes}
from collapse_lib import experiments, findings, plots, report

configs = experiments.sizes_configs(base, sizes=sizes, iterations=iterations, seeds=seeds)
table = experiments.run_experiment("sizes", configs, workers=workers)
report.update_metrics_table(profile, table)
table.groupby(["n_train", "iteration"])[["gs", "entropy", "mnnd", "fd"]].mean().round(3)

# %% [markdown]
# ## Generalization score over iterations
# One line per starting size (mean over seeds; the band spans the seeds). Log scale, as in the paper.

# %%
fig = plots.metric_over_iterations(table, "gs", hue="n_train", log=True, ylabel="generalization score GS(n)")

# %% [markdown]
# ## Generated samples beside their nearest training images
# For the largest size, at the first and at the last iteration: the top row shows samples of model $n$,
# the bottom row the closest image of the set it was trained on.

# %%
run_dir = experiments.default_runs_root() / table[table.n_train == max(sizes)].run.iloc[0]
fig_first = plots.nearest_training_pairs(run_dir, 1)
fig_last = plots.nearest_training_pairs(run_dir, iterations)

# %% [markdown]
# ## Key numbers

# %%
# NBVAL_CHECK_OUTPUT
result = findings.finding_1(table)
report.write_results(profile, "01_generalization_to_memorization", result)
print(report.describe(result))
