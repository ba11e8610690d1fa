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
profile = "smoke"
sizes = [64, 128]
float_sizes = [64, 128]  # sizes also run with samples stored as float32
iterations = 3
seeds = [0]
base = None  # RunConfig values shared by every run (denoiser, training, sampling); None: profiles.SMOKE_BASE
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%

from collapse_lib import chapters, experiments, findings, plots, profiles, report

chapter = chapters.get("03_entropy_vs_generalization")
base = profiles.notebook_base(base, base_changes)

report.settings_table(profile, base, training_set_sizes=sizes, float32_storage_sizes=float_sizes,
                      iterations=iterations, seeds=seeds)

# %%
configs = experiments.sizes_configs(base, sizes=sizes, iterations=iterations, seeds=seeds, float_sizes=float_sizes)
table = experiments.run_experiment("sizes", configs, **profiles.execution(execution))
report.update_metrics_table(profile, table)
result = findings.finding_3(table)
storages = findings.common.by_storage(table[table.gs > 0])

# %% [markdown]
# ## Entropy against log GS (Fig. 2b)
# One point per size, seed and iteration, one panel per storage. The title gives our correlation with its
# interval over runs, and the paper's.

# %%
for storage, points in storages.items():
    v = result["per_storage"][storage]
    plots.scatter_with_r(points, "entropy", "gs", stats=v["pooled"]["stored set"], logy=True, paper_r=0.91,
                         title=f"samples stored as {plots.STORAGE_WORDS[storage]}")

# %% [markdown]
# ## The same with the entropy read at 64 rows, and GS over the training set's own spacing
# Reading every set at the same size removes the estimator's offsets between sizes; dividing GS by
# $\mathrm{MNND}(\mathcal D_n)$ removes the part of its fall that only says the training set got denser.

# %%
points = storages[findings.PRIMARY_STORAGE]
v = result["per_storage"][findings.PRIMARY_STORAGE]
plots.scatter_with_r(points, "entropy_fixed_n", "gs", stats=v["pooled"]["fixed subsample"], logy=True, paper_r=0.91)
plots.scatter_with_r(points, "entropy", "gs_ratio", stats=v["gs_ratio"], logy=True)

# %% [markdown]
# ## Variance against GS (Fig. 2c)

# %%
plots.scatter_with_r(points, "cov_trace", "gs", stats=v["variance"]["gs"])

# %% [markdown]
# ## What the cpu profile shows
# The verdict and the table below give each reading's correlation per storage.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
chapter.record(profile, result)

# %%
report.finding_3_table(result)
