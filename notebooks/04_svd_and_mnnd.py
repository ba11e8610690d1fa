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
# # Appendix E: generated data collapses into clusters, not to a point
#
# **Claim (paper, Fig. 6-7, App. E.1).** Projected on the first two singular directions of the real data,
# later generations form many small clusters rather than shrinking as a whole. Two numbers tell the two
# stories apart: the mean nearest-neighbour distance (MNND, Eq. 4), which the paper sees fall almost
# exponentially, and the trace of the covariance, which barely moves. Collapse of *variance* is slow;
# collapse of *local spread* is fast, and it is the latter that makes memorization easy.
#
# We take the largest size of the Finding I runs, project real and generated images at the first and the
# last iteration, and follow MNND and covariance trace of each generated set $\mathcal G_n$. Check: the MNND
# falls faster than the trace, and the trace keeps at least half of its first value.

# %% tags=["parameters"]
profile = "smoke"
sizes = [64, 128]
iterations = 3
seeds = [0]
base = {  # RunConfig values shared by every run of this notebook (denoiser, training, sampling)
    "dataset": "digits", "model": "mlp", "width": 64, "blocks": 2, "train_steps": 150, "batch_size": 128,
    "lr": 0.002, "warmup_steps": 20, "prediction": "x0", "noise_schedule": "cosine", "sampler": "ddim",
    "sample_steps": 20, "quantize_samples": True, "threads": 2, "fd_feature": "pixel", "save_models": True,
}
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
workers = 1  # runs trained at once, each in its own process (set threads to cores divided by workers)
executor = "local"  # where runs execute: local, dask://HOST:PORT or slurm (pip install -e '.[cluster]')
executor_options = {}  # slurm: partition, gpus_per_task, cpus_per_task, time_limit_min, mem_gb, folder

# %%
base = {**base, **base_changes}
from collapse_lib import experiments, findings, plots, report, verdicts
from collapse_lib.loop.runner import load_iteration

report.settings_table(profile, base, training_set_sizes=sizes, iterations=iterations, seeds=seeds)

# %%
configs = experiments.sizes_configs(base, sizes=sizes, iterations=iterations, seeds=seeds)
table = experiments.run_experiment("sizes", configs, workers=workers, executor=executor, executor_options=executor_options)
largest = table[table.n_train == max(sizes)]
run_dir = experiments.default_runs_root() / largest.run.iloc[0]
real, first = load_iteration(run_dir, 1)
_, last = load_iteration(run_dir, iterations)
result = findings.app_e(table)

# %% [markdown]
# ## SVD projection (Fig. 6)
# The real subset (blue) and the generated set (red) of the largest size at the first and the last iteration.

# %%
fig = plots.svd_projection(real.images, {f"iteration 1, N = {max(sizes)}": first.images,
                                         f"iteration {iterations}, N = {max(sizes)}": last.images})

# %% [markdown]
# ## MNND and covariance trace of $\mathcal G_n$ (Fig. 7)
# Both relative to their value at iteration 1, on a log scale.

# %%
trend = largest.groupby("iteration")[["gen_mnnd", "gen_cov_trace"]].mean()
fig = plots.relative_trends(trend, labels={"gen_mnnd": r"MNND of $\mathcal{G}_n$", "gen_cov_trace": r"covariance trace of $\mathcal{G}_n$"})

# %% [markdown]
# ## What the cpu profile shows
# For N = 512 the MNND of the generated set falls to 0.08 of its first value over five iterations while its
# covariance trace keeps 0.89 of it: the samples do not shrink toward the mean digit, they bunch into tight
# groups of near-identical images spread over the whole range of the data, which the SVD projection shows
# as points piling up on a few spots of the real cloud. This is the paper's Fig. 7 pattern. (The first build of
# this book, whose models never learned the digits, showed the reverse: the trace fell faster than the MNND.)

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
report.write_results(profile, "04_svd_and_mnnd", result)
print(verdicts.lines("04_svd_and_mnnd", result))
trend.rename(columns={"gen_mnnd": "MNND of G_n", "gen_cov_trace": "covariance trace of G_n"}).round(3)
