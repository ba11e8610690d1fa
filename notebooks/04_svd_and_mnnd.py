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
# last iteration, and follow MNND and covariance trace of each generated set $\mathcal G_n$.

# %% tags=["parameters"]
profile = "smoke"
sizes = [64, 128]
iterations = 3
seeds = [0]
base = {  # RunConfig values shared by every run of this notebook (denoiser, training, sampling)
    "dataset": "digits", "model": "mlp", "width": 64, "blocks": 2, "train_steps": 150, "batch_size": 128,
    "lr": 0.002, "warmup_steps": 20, "sampler": "ddim", "sample_steps": 20, "threads": 2,
    "fd_feature": "pixel", "save_models": False,
}
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
workers = 1  # runs trained at once, each in its own process (set threads to cores divided by workers)

# %%
base = {**base, **base_changes}
from collapse_lib import experiments, plots, report
from collapse_lib.loop.runner import load_iteration

table = experiments.run_experiment("sizes", experiments.sizes_configs(base, sizes=sizes, iterations=iterations, seeds=seeds), workers=workers)
largest = table[table.n_train == max(sizes)]
run_dir = experiments.default_runs_root() / largest.run.iloc[0]
real, first = load_iteration(run_dir, 1)
_, last = load_iteration(run_dir, iterations)

# %%
fig = plots.svd_projection(real.images, {1: first.images, iterations: last.images})

# %%
trend = largest.groupby("iteration")[["gen_mnnd", "gen_cov_trace"]].mean()
fig2 = plots.relative_trends(trend, labels={"gen_mnnd": "MNND of G_n", "gen_cov_trace": "covariance trace of G_n"})

# %% [markdown]
# ## What the cpu profile shows
# On 8×8 digits this appendix finding does not reproduce. For N = 1,024 the covariance trace of the
# generated set falls to about 0.25 of its first value over six iterations while the MNND falls to about
# 0.46: the variance shrinks *faster* than the nearest-neighbour distance, the reverse of the paper's
# Fig. 7. A small MLP trained for 2,000 steps per iteration on 64-dimensional digits loses spread as a whole
# (its samples drift toward the mean digit) rather than bunching into tight clusters while keeping their
# spread, which is what the paper sees with a UNet on CIFAR-10. The check is reported as failing in the
# summary; the paper profile is where it should be judged.

# %%
# NBVAL_CHECK_OUTPUT
result = {
    "claim": "MNND of generated sets falls much faster than their variance",
    "paper": "Fig. 7: MNND falls almost exponentially, covariance trace only slightly",
    "n_train": int(max(sizes)), "real_mnnd": float(largest[largest.iteration == 1].mnnd.mean()),
    "real_cov_trace": float(largest[largest.iteration == 1].cov_trace.mean()),
    "mnnd_ratio_last_to_first": float(trend.gen_mnnd.iloc[-1] / trend.gen_mnnd.iloc[0]),
    "cov_trace_ratio_last_to_first": float(trend.gen_cov_trace.iloc[-1] / trend.gen_cov_trace.iloc[0]),
}
result["holds"] = result["mnnd_ratio_last_to_first"] < result["cov_trace_ratio_last_to_first"]
report.write_results(profile, "04_svd_and_mnnd", result)
print(report.describe(result))
