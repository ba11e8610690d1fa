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
# ```{glue:md} at_a_glance
# :format: myst
# ```
#
# We run vanilla ($N$), all $2N$ and greedy ($N$ of $2N$) under replace, and the threshold filter at several
# $\alpha$ under accumulate-subsample, with six seeds for the paper's eight iterations, and compare the Fréchet
# distance (KID beside it) at the last iteration, paired by seed and judged by the book's rule. Runs equal to those
# of the Section 5 chapter come from the run cache, so each seed's arms share its real subset and first model.

# %% tags=["parameters"]
profile = "smoke"
n_train = 64
iterations = 3
seeds = [0]
alphas = [0.5, 0.9]
tau = "radius"  # threshold filter's starting threshold (as in the Section 5 chapter)
base = None  # RunConfig values the profile changes from RunConfig's defaults; None: profiles.SMOKE_BASE
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%
from collapse_lib import chapters, plots, words

run = chapters.get("08_ablations").run(profile, n_train=n_train, iterations=iterations, seeds=seeds, alphas=alphas,
                                       tau=tau, base=base, execution=execution)
table = run.table.assign(setting=lambda t: [f"threshold filter, α = {a}" if s == "threshold" else words.page_name(s)
                                            for s, a in zip(t.selector, t.alpha, strict=True)])
run.settings

# %% [markdown]
# ## Training on all $2N$ against selecting $N$ of $2N$ (Fig. 13)
# Replace paradigm, Fréchet distance on a log scale with each real floor dotted.

# %%
fig = plots.metric_over_iterations(table[table.paradigm == "replace"], "fd", hue="selector", log=True, floor="fd_floor", noise="fd_noise")

# %% [markdown]
# ## The threshold filter at several decay rates (Fig. 14)
# Accumulate-subsample, against the vanilla loop: first the share of real images each setting trains on (a filter
# that starts high admits few generated images), then the Fréchet distance.

# %%
accumulate = table[table.paradigm == "accumulate-subsample"]
fig = plots.metric_over_iterations(accumulate, "real_share", hue="setting")
fig = plots.metric_over_iterations(accumulate, "fd", hue="setting", log=True, floor="fd_floor", noise="fd_noise")

# %% [markdown]
# ## What the cpu profile shows
# Six seeds, N = 256, the paper's eight iterations, 3,000 steps per model; the first models pass the quality check
# in every seed.
#
# **Training on all 2N (Fig. 13) is contradicted: greedy sits above all 2N, not below.** Under replace at iteration
# 8 the Fréchet distance is 558 for all 2N (range 420-751), 694 for vanilla (435-1,253) and 802 for greedy
# (520-1,191). Greedy is above all 2N in every seed (p = 0.016 the other way), where the paper has it below; all 2N
# against vanilla is inconclusive (p = 0.23). Every arm has collapsed by then: at iteration 8, 98-100% of the
# samples of every seed are near-copies (all 2N: 0.996-1.000), so this compares three degenerate loops. On the mean,
# greedy's models sit a little further from their training sets (GS 0.115, against 0.111 for all 2N and 0.094 for
# vanilla), a difference not tested here.
#
# **The decay rate (Fig. 14) holds.** Under accumulate-subsample every decay rate beats the vanilla loop in every
# seed: Fréchet distance 46.6, 53.1 and 50.2 at $\alpha$ = 0.5, 0.7 and 0.9 against 138.5 (p = 0.016 each). The
# threshold starts at the pool's radius and decays until N images pass. A coarse decay keeps more real images
# (0.95-0.97 of the training set at iteration 8 for $\alpha$ = 0.5, 0.77-0.82 for 0.9). A possible reason, not
# tested here (a shuffled pool would test it): the filter scans the pool in its stored order, real images first, so
# each large step down may admit a run of them before it reaches the generated ones.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
last = table[table.iteration == iterations]
words.readable(last.groupby(["paradigm", "setting"])[["fd", "gs", "entropy"]].mean().round(3))
