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
# ```{glue:md} at_a_glance
# :format: myst
# ```
#
# We run vanilla, greedy and the threshold filter under both paradigms for the paper's eight iterations, with six
# seeds; each seed draws its own real subset and trains one first model, which every arm of that seed shares, so
# arms are compared seed by seed. Three claims are judged at the last iteration by the book's rule (a paired
# difference per seed, the exact sign-flip test over six seeds; the method page states it), each part in the
# paper's direction: **the paper's main claim** (Sec. 5, accumulate-subsample: greedy keeps entropy and GS higher
# and the Fréchet distance lower); **App. F.1, replace** (the same under replace); and **App. F.1, both selectors
# lower the Fréchet distance, greedy most**. The Fréchet distance and KID are measured on 1,000 samples drawn for
# measurement only, in the features of a classifier trained on the real digits (Inception in the paper profile),
# against every real image outside the seed's training subset; the states are read on the Fréchet distance, as
# the paper's claims are about the FID, with KID's beside them. Two controls (below) test why selection helps.

# %% tags=["parameters"]
profile = "smoke"
n_train = 64  # N, the training-set size of every iteration
iterations = 3
seeds = [0]
paradigms = ["replace", "accumulate-subsample"]
selectors = ["random", "greedy", "threshold"]  # "random" is the vanilla loop
pool_factor = 2.0  # replace: selectors draw N from pool_factor * N samples
alpha = 0.9  # threshold filter decay rate
tau = "radius"  # threshold filter's starting threshold: a number, or radius (the pool's largest distance from its mean)
base = None  # RunConfig values the profile changes from RunConfig's defaults; None: profiles.SMOKE_BASE
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%
from collapse_lib import chapters, experiments, findings, plots, selection, words

run = chapters.get("05_selection_mitigates_collapse").run(
    profile, n_train=n_train, iterations=iterations, seeds=seeds, paradigms=paradigms, selectors=selectors,
    pool_factor=pool_factor, alpha=alpha, tau=tau, base=base, execution=execution)
table, every_arm = run.table, findings.arms(run.tables["selection"], run.tables["control"])
run.settings

# %% [markdown]
# ## Generalization score (Fig. 8) and near-copies
# Greedy selection should keep GS higher, that is, keep the next model further from copying its training set;
# the near-copy share measures the copying directly.

# %%
fig = plots.metric_over_iterations(table, "gs", hue="selector", col="paradigm")
fig = plots.metric_over_iterations(table, "memorized_share", hue="selector", col="paradigm")

# %% [markdown]
# ## Fréchet distance and KID to the real data (Figs. 3, 9)
# Both measured on the measurement samples against every real image outside the training subset, log scale. The
# Fréchet distance's floor (dotted) is the real subset's own distance at $N$ images, an upper bound of the floor at
# the measurement sample count; KID is unbiased in the sample count, so its floor (the real subset's KID) compares
# directly. The bars put the paper's accumulate-subsample FIDs beside our Fréchet distances, each relative to its own
# vanilla value (they are measured in different feature spaces); the paper's numbers are at iteration 8, as ours.

# %%
fig = plots.metric_over_iterations(table, "fd", hue="selector", col="paradigm", log=True, floor="fd_floor", noise="fd_noise")
fig = plots.metric_over_iterations(table, "kid", hue="selector", col="paradigm", floor="kid_floor")
fd = run.result["claims"]["greedy_vs_threshold"]["parts"]
fig = plots.paper_vs_ours({"vanilla": [88.4, 75.7, fd["greedy_fd"]["mean_b"]], "greedy": [52.1, 44.7, fd["greedy_fd"]["mean_a"]],
                           "threshold filter": [None, None, fd["threshold_fd"]["mean_a"]]},
                          sources=["paper, Fig. 3 (n = 8)", "paper, App. F.1 (n = 8)", f"ours (n = {iterations})"],
                          ylabel="FID or FD relative to vanilla's", title="accumulate-subsample")

# %% [markdown]
# ## Entropy of the training set (Fig. 10)

# %%
fig = plots.metric_over_iterations(table, "entropy", hue="selector", col="paradigm")

# %% [markdown]
# ## Greedy against vanilla, seed by seed, at every iteration
# The claims are judged at the last iteration; this table shows the same paired comparison of the Fréchet
# distance at each one: the mean difference greedy − vanilla over seeds, its 90% interval and the state.

# %%
run.closing_table

# %% [markdown]
# ## What the controls show
# Two controls test *why* selection changes the loop. Under accumulate-subsample, the **matched** control draws
# uniformly but keeps, at every iteration, the share of real images that greedy selection kept in the same seed's
# run: if greedy does no better than it, greedy's gain is the real images it keeps, not the entropy it selects for.
# Under replace, greedy and the threshold filter select in the features of the classifier instead of pixels: if
# they then beat vanilla, the replace result comes from what farthest-point selection in pixel space picks.

# %%
fig = plots.metric_over_iterations(every_arm, "fd", hue="arm", col="paradigm", log=True, floor="fd_floor")
fig = plots.metric_over_iterations(every_arm[every_arm.paradigm == "accumulate-subsample"], "real_share", hue="arm")

# %% [markdown]
# ## Samples beside their nearest training images, with and without selection (Fig. 12)
# Each paradigm at the last iteration, first seed: vanilla above, greedy below.

# %%
for paradigm in paradigms:
    runs = run.runs_by("selector", paradigm=paradigm)
    pairs = {selection.get(s).label: experiments.nearest_training_images(runs[s], iterations) for s in ("random", "greedy")}
    fig = plots.nearest_pairs(pairs, suptitle=f"{paradigm}, iteration {iterations}")

# %% [markdown]
# ## What the cpu profile shows
# Each run trains on N = 256 digits for four iterations at 3,000 steps per model, three seeds per selector. The
# first models pass the quality check for every seed (0.96-0.98 of the real spread, Fréchet distance 1.9-2.4 times
# the floor) and copy 14-22% of their samples: at 3,000 steps and N = 256 they are still mostly generalizing.
#
# **Accumulate-subsample comes within one seed pair of the paper's main claim.** At iteration 4 greedy selection
# keeps the entropy of the training set at 20-22 nats against vanilla's -35 to -40, and GS at 1.07-1.17 against
# 0.53-0.57: every greedy seed above every vanilla seed. Its Fréchet distance is 67.7 on the mean against 107.1,
# a ratio of 0.63 where the paper's Fig. 3 has 52.1 / 88.4 = 0.59, and lower in 8 of the 9 seed pairs: one greedy
# seed scores 98.7, above vanilla's best seed (92.3). By the book's rule (every pair) the claim is therefore a ✗,
# a near miss. The threshold filter wins all 9 pairs on all three measures (Fréchet distance 72.5 on the mean).
# App. F.1's order between the two selectors does not hold: greedy's mean is below the threshold filter's (67.7
# against 72.5), but only in 6 of 9 pairs.
#
# **Replace does not reproduce.** Selection keeps GS and entropy higher in every pair (GS 0.36-0.42 and 0.36-0.37
# against 0.17-0.22) and copies less (near-copy share 0.42-0.86 against vanilla's 0.89-0.99), but its Fréchet
# distance is not lower: greedy's is worse in every seed pair but one (311, range 279-364, against vanilla's 249,
# 226-283), and the threshold filter's is worse on the mean and mixed by seed (265, 172-380; lower in 4 of 9
# pairs). Our reading, which this build does not measure: choosing the N most spread-out of 2N fresh samples
# favours the odd ones at the edge of the pool, and the next model learns those too. It is not a loss of overall
# spread (greedy's samples keep 0.89-1.04 of the real covariance trace); with only 2N candidates and no real
# images in the pool, the spread selection buys is not the real data's.
#
# The copy test matters here too. Under vanilla accumulate-subsample the plain ratio test counts 6-11% near-copies
# at iteration 4, fewer than under greedy selection (18-20%), an artefact the first build reported as "selectors
# copying more": the vanilla training sets hold several generated versions of each digit. With near-duplicates
# merged, vanilla copies 21-37% and the selectors 14-25%. The pairs above show the same: vanilla's samples sit
# much closer to their nearest training images than greedy's.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
last = table[table.iteration == iterations]
words.readable(last.groupby(["paradigm", "selector"])[["entropy", "gs", "fd", "memorized_share"]].mean().round(3))
