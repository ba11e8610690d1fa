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
# # Beyond the paper: seeing the slide into memorization without the training set
#
# **Claim (not the paper's; this book's question).** Every measure so far needs the training set: GS, the
# near-copy share and the entropy of $\mathcal D_n$ all compare samples with training images. A follow-up
# by the same group (arXiv 2512.20963) finds that a denoiser which memorizes stores training images in its
# weights, so an input near one of them lights up a few hidden units (a *spiky* representation), while a
# generalizing denoiser spreads the activation over many units; it detects memorized generations from the
# spread of intermediate activations. A related result reads memorization from the *stable rank* of the
# weight matrices, without generating anything. Can a user of a self-consuming loop tell from the model
# alone that it is sliding into memorization?
#
# ```{glue:md} at_a_glance
# :format: myst
# ```
#
# For every model of the Finding I runs we read the hidden activation of its last residual block on its own
# samples, noised to a low level (timestep 50 of 1,000), and score each sample's spikiness: the standard
# deviation over units of the activation's magnitudes, normalized to unit length and scaled by $\sqrt{d}$
# (0: every unit equally active; near 1: one unit carries it all). **The check**, by the book's rule over the
# seeds: within each seed, spikiness tells the near-copies (the test of Finding I, near-duplicates merged) from the
# other samples with an AUC above 0.7. Pooled over iterations the AUC also absorbs the trend across iterations
# (later iterations hold both more copies and different models), so the AUC within each iteration is shown beside
# it. Samples stored on the grey levels (the primary storage), every seed.

# %% tags=["parameters"]
profile = "smoke"  # the profile whose chapter 01 and 05 runs are read (results/<profile>/metrics.csv)
timestep = 50  # noise level at which activations are read (of 1000)

# %%
from collapse_lib import chapters, plots

run = chapters.get("09_memorization_without_training_data").run(profile, timestep=timestep)
table, samples, selection = run.tables["sizes"], run.gathered["samples"], run.tables["selection"]
table = table[table.quantize_samples]  # the grid storage
run.settings

# %% [markdown]
# ## The model's signals beside the training-set measures
# Top: GS and the near-copy share (they need the training set). Bottom: the mean spikiness of each model on its
# own samples and the mean stable rank of its weight matrices (they need only the model).

# %%
fig = plots.metric_panels(table, ["gs", "memorized_share", "spikiness", "stable_rank"], hue="n_train", columns=2)

# %% [markdown]
# ## Sample by sample: are the near-copies the spiky ones?
# Top: spikiness of near-copies and of the other samples, pooled over sizes, seeds and iterations, with the
# threshold that best separates them. Bottom: the AUC within each iteration with its 95% interval (0.5: no
# better than chance), beside the pooled one.

# %%
fig = plots.detection(samples, run.result)

# %% [markdown]
# ## Greedy against vanilla through the same lens
# The Section 5 runs (replace and accumulate-subsample): does selection keep the models' representations
# balanced, as it keeps them from copying?

# %%
fig = plots.metric_over_iterations(selection[selection.selector.isin(["random", "greedy"])], "spikiness",
                                   hue="selector", col="paradigm")

# %% [markdown]
# ## What the cpu profile shows
# **Spikiness separates the near-copies at the first iteration only; the check is contradicted.** Within each seed
# the AUC is 0.55 on the mean (90% interval 0.47 to 0.64), below the 0.7 the check asks for in every seed (p =
# 0.017). Pooled over 29,760 samples of the Finding I runs stored on the grid (16,402 of them near-copies) it is
# 0.56. Within one iteration it is 0.82 at iteration 1, then 0.60, 0.53, 0.43 and 0.40: late in the loop, where
# nearly every sample is a near-copy, the few new ones are the *spikier*. Read the first iteration with care: its
# near-copies come mostly from the small sets and its new samples from the large ones, so the AUC there compares
# models as much as samples. No threshold is worth applying: the best one (0.888) flags 99% of the near-copies and
# 83% of the other samples, a Youden's J of 0.17. The model's mean spikiness is not shown to track the near-copy
# share (r per seed 0.18 on the mean, inconclusive), and on the mean selection shows no visible difference in it
# (not tested; 0.891 for greedy against 0.888 for vanilla under accumulate-subsample at iteration 8, 0.862 against
# 0.859 under replace).
#
# One possible reason, not tested here, is the network. The hypothesis comes from denoisers with many more hidden
# units than training images, where a memorizing network can give each image its own units; our residual MLP has 256
# units per layer for 64 to 1,024 images, and every input already lights up a small set of units (spikiness about
# 0.9 on a scale where 1 is a single unit). Late in the loop the training sets hold many copies of a few digits, and
# the network no longer needs one unit per image.
#
# **The stable rank of the weights moves with memorization:** its correlation with the near-copy share over sizes,
# seeds and iterations is r = -0.59 (95% interval over runs -0.74 to -0.47), and under accumulate-subsample greedy's
# models keep a higher stable rank than vanilla's at iteration 8 on the mean (13.1 against 11.0, not tested seed by
# seed). It needs neither the training set nor samples. Read it with care too: it falls with the iteration at every
# size, and so does everything else in the loop, so the correlation may be the iteration's rather than
# memorization's.

# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
run.verdicts

# %%
run.closing_table
