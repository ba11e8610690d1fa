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
# App. F.1 (Fig. 9, dataset not named in its text), 75.7 against 44.7, with the threshold filter in between.
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
# Each run trains on N = 256 digits for the paper's eight iterations, 3,000 steps per model, six seeds per arm; each
# seed draws its own real subset. The first models pass the quality check in every seed (0.96-1.01 of the real
# spread, Fréchet distance 1.8-3.1 times the floor) and copy 17-24% of their samples: they still mostly generalize.
#
# **The paper's main claim holds under accumulate-subsample, in every part and every seed.** At iteration 8 greedy
# selection keeps the entropy of the training set at 18.9 to 21.5 nats against vanilla's -52.3 to -47.9, and GS at
# 1.07-1.11 against 0.41-0.47. Its Fréchet distance is 63.6 on the mean against vanilla's 138.5: lower in all six
# seeds, which gives p = 1/64 = 0.016, the smallest six seeds allow. The ratio, 0.46 (90% interval 0.36 to 0.58), is
# of the paper's size (52.1 / 88.4 = 0.59 in Fig. 3), and KID agrees. The table above shows that the gap opens at
# iteration 2 and stays significant at every iteration after it.
#
# **Real images explain part of greedy's gain.** A greedy training set at iteration 8 is half real (0.50-0.54),
# where vanilla's is an eighth. The matched control draws uniformly but keeps greedy's real share at every
# iteration. On the mean it lands between the two: Fréchet distance 101.9, against vanilla's 138.5 (lower, p =
# 0.047) and greedy's 63.6 (higher in every seed, p = 0.016). On the mean the real images alone account for about
# half of greedy's gain ((138.5 − 101.9) / (138.5 − 63.6) = 0.49), but seed by seed the share runs from 0.25 to
# 0.79, and in one seed the control is worse than vanilla; the share itself is not tested. The rest is what greedy
# chooses beyond its real share (which real images, and which generated ones). That this rest is the entropy is the
# paper's reading; the control shows it is not the real share, not that it is the entropy. The control's entropy
# (-17.4 nats) sits between the two as well.
#
# **App. F.1's order between the selectors is contradicted.** Both selectors lower the Fréchet distance against
# vanilla in every seed, but the threshold filter lowers it more than greedy (50.2 against 63.6, higher for greedy
# in every seed, p = 0.016 the other way). The filter also keeps more real images (0.77-0.82 of its training set at
# iteration 8). Two possible reasons, neither tested here: it admits a generated digit only far from everything
# taken, and generated digits sit close to the real ones they copy; and it scans the pool in its stored order, real
# images first, so real images are the first to be admitted (a shuffled order would test this). Whether the filter
# wins by entropy or by real images would need a matched control of its own; this build runs one for greedy only.
#
# **Replace does not reproduce.** Selection keeps the entropy higher in every seed (-98.8 against -103.3 nats, p =
# 0.016), but GS (0.11 against 0.09) and the Fréchet distance are inconclusive, and the mean distance turns against
# greedy from iteration 4 on (by 1.6 there, by 108 at iteration 8: 801.7 against 694.1; 90% interval of the
# difference -99 to 280). By iteration 8 every loop has collapsed: 93-100% of the samples are near-copies (98-100%
# for vanilla and greedy), the Fréchet distance of N samples is 17 to 61 times the floor, and the pairs below show
# greedy's samples sitting on or next to training images (GS 0.08 to 0.21 per seed). The pool offers little to
# select: of the 42 training sets greedy built from a pool (iterations 2 to 8, six seeds), 19 hold repeats, so their
# 2N candidates held fewer than N distinct images; the threshold filter's hold repeats in 21. Selecting in the
# classifier's features instead of pixels does not rescue it (Fréchet distance 1,250 for greedy, contradicted
# against vanilla at p = 0.047; 1,090 for the filter, inconclusive), so the failure is not an artefact of choosing
# in pixel space. Our reading, not tested: with no real images in the pool and only twice N fresh samples to choose
# from, the spread that selection buys is not the real data's.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
last = table[table.iteration == iterations]
words.readable(last.groupby(["paradigm", "selector"])[["entropy", "gs", "fd", "memorized_share"]].mean().round(3))
