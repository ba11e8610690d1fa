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
# We pool every (size, iteration) point of the Finding I runs and report Pearson $r$ between
# $H(\mathcal D_n)$ and $\log \mathrm{GS}(n)$ with a bootstrap 95% interval (check: $r \ge 0.85$), and the
# variance-GS correlations beside it. The entropy estimate is biased by sample size, so the pooled
# correlation mostly follows the trend over iterations; the per-size correlations are listed too.

# %% tags=["parameters"]
profile = "smoke"
sizes = [64, 128]
iterations = 3
seeds = [0]
base = None  # RunConfig values shared by every run (denoiser, training, sampling); None: profiles.SMOKE_BASE
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%
import matplotlib.pyplot as plt
import pandas as pd

from collapse_lib import chapters, experiments, findings, plots, profiles, report

chapter = chapters.get("03_entropy_vs_generalization")
base = profiles.notebook_base(base, base_changes)

report.settings_table(profile, base, training_set_sizes=sizes, iterations=iterations, seeds=seeds)

# %%
configs = experiments.sizes_configs(base, sizes=sizes, iterations=iterations, seeds=seeds)
table = experiments.run_experiment("sizes", configs, **profiles.execution(execution))
report.update_metrics_table(profile, table)
result = findings.finding_3(table)
points = table.groupby(["n_train", "iteration"], as_index=False)[["entropy", "gs", "cov_trace"]].mean()

# %% [markdown]
# ## Entropy against log GS (Fig. 2b) and variance against GS (Fig. 2c)
# One point per size and iteration. The title gives our correlation with its interval and the paper's.

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.8))
plots.scatter_with_r(points, "entropy", "gs", stats=result["entropy_log_gs"], logy=True, ax=ax, paper_r=0.91)
fig.tight_layout()
fig, ax = plt.subplots(figsize=(6.4, 3.8))
plots.scatter_with_r(points, "cov_trace", "gs", stats=result["variance_gs"], ax=ax)
fig.tight_layout()

# %% [markdown]
# ## What the cpu profile shows
# Within one size the entropy of $\mathcal D_n$ and log GS move together (Pearson r = 0.89, 0.75, 0.74 and 0.91
# for N = 64, 128, 256 and 512), but pooled over sizes the relation is weak: r = 0.54 (95% CI 0.25 to 0.77),
# against the paper's 0.91, so the check fails. The scatter shows why: at iteration 1 every real subset has
# about the same entropy (18 to 36 nats), but GS differs thirty-fold between N = 64, which the model copies, and
# N = 512, which it does not. In 64 dimensions the Kozachenko-Leonenko estimate barely depends on the sample
# size, so it cannot see that a small set is easy to memorize; the paper's sizes lie on one line, perhaps
# because in its 384-dimensional DINOv2 features the estimate falls with the size of the set. One point is
# left out of the fit: at N = 64, iteration 5, every sample is an exact copy and GS is 0. The variance of
# $\mathcal D_n$ relates to GS more weakly than the entropy (r = 0.35), as the paper's Fig. 2c reports.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
print(chapter.record(profile, result))
pd.DataFrame({"Pearson r within one size": result["within_size_r"]}).T.round(2)
