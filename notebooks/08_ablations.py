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
# # Appendix G: is it the extra samples, and how sensitive is the filter?
#
# **Claims (paper, Fig. 13-14).** (1) Under replace, selection draws $N$ of $2N$ samples. Training on all
# $2N$ also slows collapse, since more samples help, but selecting $N$ of them does better still (CIFAR-10
# FID: vanilla > all $2N$ > selection). (2) The threshold-decay filter beats the vanilla accumulate loop over
# a wide range of decay rates $\alpha$.
#
# We run vanilla ($N$), all $2N$ and greedy ($N$ of $2N$) under replace, and the threshold filter at several
# $\alpha$ under accumulate-subsample, and compare Fréchet distance, GS and entropy at the last iteration.

# %% tags=["parameters"]
profile = "smoke"
n_train = 64
iterations = 3
seeds = [0]
alphas = [0.5, 0.9]
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

configs = experiments.ablation_configs(base, n_train=n_train, iterations=iterations, seeds=seeds, alphas=alphas)
table = experiments.run_experiment("ablation", configs, workers=workers)
report.update_metrics_table(profile, table)
table["setting"] = table.selector.where(table.selector != "threshold", "threshold a=" + table.alpha.astype(str))
table.groupby(["paradigm", "setting", "iteration"])[["fd", "gs", "entropy"]].mean().round(3)

# %%
fig = plots.metric_over_iterations(table, "fd", hue="setting", col="paradigm", ylabel="Fréchet distance")

# %% [markdown]
# ## What the cpu profile shows
# With one seed, at N = 256 and four iterations, the ablations half reproduce. Under replace, the order of
# Fig. 13 holds: greedy selection has the lowest Fréchet distance (1740), training on all 2N samples sits
# between (1877) and vanilla is worst (2114). Under accumulate-subsample the threshold filter beats vanilla
# (1096) only at α = 0.9 (998), not at α = 0.5 (1284) or 0.7 (1463), so "every decay rate helps" does not
# hold here. (An earlier build of this profile with five iterations gave the opposite pattern: all-2N slightly
# worse than vanilla, and only α = 0.7 ahead.) The Fréchet distance in a small classifier's features
# varies a lot between seeds at this scale (the Section 5 chapter shows the spread over three seeds), so a
# single-seed ordering is weak evidence either way; the summary reports the check as failing.

# %%
# NBVAL_CHECK_OUTPUT
result = findings.ablation(table)
report.write_results(profile, "08_ablations", result)
print(report.describe(result))
