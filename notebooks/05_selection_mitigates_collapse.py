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
# iteration 8, **88.4** for the vanilla loop against **52.1** with greedy selection (Fig. 3); in the runs of
# App. F.1 (Fig. 9), 75.7 against 44.7, with the threshold filter in between.
#
# We run vanilla, greedy and threshold under both paradigms with three seeds each (single runs mislead at
# this scale) and show the mean with the band between seeds. This profile's check: at the last iteration,
# greedy has higher entropy and higher GS than vanilla under both paradigms, and a lower Fréchet distance
# under replace. The threshold filter and App. F.1's ordering are reported beside it. The Fréchet distance
# is computed in this profile's `fd_feature` space (a classifier trained on the real digits in the cpu
# profile; Inception in the paper profile).

# %% tags=["parameters"]
profile = "smoke"
n_train = 64  # N, the training-set size of every iteration
iterations = 3
seeds = [0]
paradigms = ["replace", "accumulate-subsample"]
selectors = ["random", "greedy", "threshold"]  # "random" is the vanilla paradigm
pool_factor = 2.0  # replace: selectors draw N from pool_factor * N samples
alpha = 0.9  # threshold filter decay rate
tau = "radius"  # threshold filter's starting threshold: a number, or radius (the pool's largest distance from its mean)
base = None  # RunConfig values shared by every run (denoiser, training, sampling); None: profiles.SMOKE_BASE
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%
from collapse_lib import chapters, experiments, findings, plots, profiles, report, selection

chapter = chapters.get("05_selection_mitigates_collapse")
base = profiles.notebook_base(base, base_changes)

report.settings_table(profile, base, training_set_size=n_train, iterations=iterations, seeds=seeds,
                      paradigms=paradigms, selectors=selectors, pool_factor=pool_factor, threshold_decay_rate=alpha,
                      threshold_start=tau)

# %%
configs = experiments.selection_configs(base, n_train=n_train, iterations=iterations, seeds=seeds,
                                        paradigms=paradigms, selectors=selectors, pool_factor=pool_factor, alpha=alpha,
                                        tau=tau)
table = experiments.run_experiment("selection", configs, **profiles.execution(execution))
report.update_metrics_table(profile, table)
result = findings.section_5(table)

# %% [markdown]
# ## Generalization score (Fig. 8) and near-copies
# Greedy selection should keep GS higher, that is, keep the next model further from copying its training set;
# the near-copy share measures the copying directly.

# %%
fig = plots.metric_over_iterations(table, "gs", hue="selector", col="paradigm")
fig = plots.metric_over_iterations(table, "memorized_share", hue="selector", col="paradigm")

# %% [markdown]
# ## Fréchet distance to the real data (Fig. 3, 9)
# Log scale, with the real subset's own distance (the floor at this $N$, dashed) and per-pixel noise (dotted).
# The bar chart puts the paper's accumulate-subsample FIDs at iteration 8 beside our Fréchet distances at the
# last iteration, each relative to its own vanilla value (the two are measured in different feature spaces).

# %%
fig = plots.metric_over_iterations(table, "fd", hue="selector", col="paradigm", log=True, floor="fd_floor", noise="fd_noise")
acc = result["per_paradigm"].get("accumulate-subsample", {})
if {"random", "greedy"} <= set(acc):
    fig = plots.paper_vs_ours({"vanilla": (88.4, acc["random"]["fd"]["mean"]), "greedy": (52.1, acc["greedy"]["fd"]["mean"])},
                              ylabel="relative to vanilla", title="accumulate-subsample, last iteration")

# %% [markdown]
# ## Entropy of the training set (Fig. 10)

# %%
fig = plots.metric_over_iterations(table, "entropy", hue="selector", col="paradigm")

# %% [markdown]
# ## Samples beside their nearest training images, with and without selection (Fig. 12)
# Accumulate-subsample at the last iteration, first seed: vanilla above, greedy below.

# %%
pairs = {}
for selector in ("random", "greedy"):
    run = table[(table.selector == selector) & (table.paradigm == paradigms[-1]) & (table.seed == seeds[0])].run.iloc[0]
    pairs[selection.get(selector).label] = experiments.nearest_training_images(experiments.default_runs_root() / run, iterations)
fig = plots.nearest_pairs(pairs, suptitle=f"{paradigms[-1]}, iteration {iterations}")

# %% [markdown]
# ## What the cpu profile shows
# Each run trains on N = 256 digits for four iterations at 3,000 steps per model, three seeds per selector. The
# first model passes the quality check (0.97 of the real spread, Fréchet distance 2.7 times the floor) but
# copies only 18% of its samples: at 3,000 steps and N = 256 it is still mostly generalizing.
#
# **Accumulate-subsample reproduces the paper.** At iteration 4 greedy selection keeps GS at 1.11 (seeds
# 1.07-1.17) and the threshold filter at 1.14, while the vanilla loop falls to 0.55 (0.53-0.57); the entropy of
# the training set is 21 and 23 nats against -38; every selection seed is clear of every vanilla seed. The
# Fréchet distance is 61.6 for greedy, 65.3 for the threshold filter and 100.5 for vanilla: greedy at 0.61 of
# vanilla, where the paper's Fig. 3 has 52.1 / 88.4 = 0.59, and the ordering of App. F.1 (greedy below threshold
# below vanilla; 44.7 < threshold < 75.7 on CIFAR-10) holds. The seeds spread widely (greedy 47-92, vanilla
# 86-110), so the Fréchet gap is clear in the mean, not in every seed.
#
# **Replace does not.** Selection still keeps GS and entropy higher (GS 0.38 and 0.36 against 0.20; entropy -68
# and -72 against -95 nats) and keeps the near-copy share down (0.03 against 0.31 for vanilla at iteration 4),
# but its Fréchet distance is worse: 301 (270-357) for greedy and 259 for the threshold filter against 243
# (220-276) for vanilla. Choosing the N most spread-out of 2N fresh samples also chooses the malformed ones at
# the edge of the pool, and the next model learns those too; with only 2N candidates and no real images in the
# pool, diversity is bought with quality. The check therefore fails on the replace paradigm's Fréchet distance.
#
# One measurement needs care. Under vanilla accumulate-subsample GS halves, yet the near-copy share *falls*
# (0.18 to 0.08): the training set now holds several near-identical generated versions of the same digit, so a
# sample close to one of them is also close to the second, and the ratio test (nearest below a third of the
# second-nearest) cannot single one out. GS, which needs no second neighbour, sees the copying. The pairs above
# show it: vanilla samples sit 0.25-0.76 from their nearest training image, greedy ones mostly 0.9-2.0.
#
# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
print(chapter.record(profile, result))
last = table[table.iteration == iterations]
report.readable(last.pivot_table(index="selector", columns="paradigm", values=["entropy", "gs", "fd", "memorized_share"]).round(3))
