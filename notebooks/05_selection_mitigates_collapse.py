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
# # Section 5: selecting a high-entropy training set slows the collapse
#
# **Claim (paper, Fig. 3 and 8-10, Sec. 5 and App. F).** Since low entropy drives memorization, choose each
# iteration's training set to keep entropy high. *Greedy selection* (Algorithm 1, farthest point) and the
# *threshold-decay filter* (Algorithm 2) pick $N$ images from a candidate pool: twice $N$ fresh samples
# under *replace*, or every real and generated image so far under *accumulate-subsample*. On CIFAR-10 the
# paper reports higher GS and entropy with selection, and a lower FID: under accumulate-subsample at
# iteration 8, **88.4** for the vanilla loop against **52.1** with greedy selection (Fig. 3), or 75.7
# against 44.7 in the runs of Fig. 9.
#
# We run vanilla, greedy and threshold under both paradigms with several seeds (single runs mislead at
# this scale) and show the mean with the band between seeds. This profile's check: at the last iteration,
# greedy has higher entropy and higher GS than vanilla under both paradigms, and a lower Fréchet distance
# under replace. The Fréchet distance is computed in this profile's `fd_feature` space (a classifier
# trained on the real digits in the cpu profile; Inception in the paper profile).

# %% tags=["parameters"]
profile = "smoke"
n_train = 64  # N, the training-set size of every iteration
iterations = 3
seeds = [0]
paradigms = ["replace", "accumulate-subsample"]
selectors = ["random", "greedy", "threshold"]  # "random" is the vanilla paradigm
pool_factor = 2.0  # replace: selectors draw N from pool_factor * N samples
alpha = 0.9  # threshold filter decay rate
seeds_by_selector = {}  # e.g. {"threshold": [0]}: selectors with their own seeds
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

configs = experiments.selection_configs(base, n_train=n_train, iterations=iterations, seeds=seeds,
                                        paradigms=paradigms, selectors=selectors, pool_factor=pool_factor, alpha=alpha,
                                        seeds_by_selector=seeds_by_selector)
table = experiments.run_experiment("selection", configs, workers=workers)
report.update_metrics_table(profile, table)
table.groupby(["paradigm", "selector", "iteration"])[["gs", "entropy", "fd", "real_share"]].mean().round(3)

# %% [markdown]
# ## Generalization score (Fig. 8)

# %%
fig = plots.metric_over_iterations(table, "gs", hue="selector", col="paradigm", ylabel="GS(n)")

# %% [markdown]
# ## Fréchet distance to the real data (Fig. 3, 9)

# %%
fig = plots.metric_over_iterations(table, "fd", hue="selector", col="paradigm", ylabel="Fréchet distance")

# %% [markdown]
# ## Entropy of the training set (Fig. 10)

# %%
fig = plots.metric_over_iterations(table, "entropy", hue="selector", col="paradigm", ylabel="entropy of D_n (nats)")

# %% [markdown]
# ## What the cpu profile shows
# At N = 256, four iterations and three seeds, greedy selection keeps the entropy of $D_n$ above the
# vanilla loop's under both paradigms by far more than the spread between seeds, and GS above it on the mean:
# clearly under accumulate-subsample, 2.27 (2.21..2.32) against 1.85 (1.78..1.96) at iteration 4, and
# narrowly under replace, 1.25 (1.21..1.27) against 1.14 (1.05..1.23), where the seeds overlap. (Training each
# run on two threads instead of one, which changes the last digits of every sum, gave 1.27 (1.24..1.32) there:
# the replace GS gap is real on the mean but small.) The Fréchet distance is the noisy part. Under replace
# greedy's mean is lower (1806 against 1885), but the seeds overlap (1625..2051 against 1678..2114); under
# accumulate-subsample it is slightly lower too (1172 against 1241, again overlapping). An earlier build
# of this profile with five iterations also kept greedy ahead on entropy, GS and the replace Fréchet distance,
# but there greedy's accumulate-subsample Fréchet distance came out *above* vanilla's, so at this scale that
# comparison can go either way. The book uses four iterations to keep the cpu profile's cost down.

# %%
# NBVAL_CHECK_OUTPUT
result = findings.section_5(table)
report.write_results(profile, "05_selection_mitigates_collapse", result)
print(report.describe(result))
