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
# For every model of the Finding I runs we read the hidden activation of its last residual block on its own
# samples, noised to a low level (timestep 50 of 1,000), and score each sample's spikiness: the standard
# deviation over units of the activation's magnitudes, normalized to unit length and scaled by $\sqrt{d}$
# (0: every unit equally active; near 1: one unit carries it all). The check: spikiness tells the near-copies
# (nearest training image closer than a third of the second-nearest) from the other samples with an AUC of at
# least 0.7, its 95% bootstrap interval above 0.5.

# %% tags=["parameters"]
profile = "smoke"
sizes = [64, 128]  # the Finding I runs (their saved models are read)
iterations = 3
seeds = [0]
n_train = 64  # the Section 5 runs, seen through the same lens
selection_iterations = 3
selection_seeds = [0]
selection_base_changes = {}  # the Section 5 chapter's changes to the profile's base (its run cache is shared)
timestep = 50  # noise level at which activations are read (of 1000)
base = None  # RunConfig values shared by every run (denoiser, training, sampling); None: profiles.SMOKE_BASE
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%
import pandas as pd

from collapse_lib import chapters, experiments, findings, plots, profiles, report

chapter = chapters.get("09_memorization_without_training_data")
base = profiles.notebook_base(base, base_changes)

report.settings_table(profile, base, training_set_sizes=sizes, iterations=iterations, seeds=seeds,
                      activations_read_at_timestep=timestep)

# %%
configs = experiments.sizes_configs(base, sizes=sizes, iterations=iterations, seeds=seeds)
table = experiments.run_experiment("sizes", configs, **profiles.execution(execution))
root = experiments.default_runs_root()
samples = pd.concat([experiments.per_sample_signals(root / run, it, timestep=timestep)
                     for run in table.run.unique() for it in range(1, iterations + 1)], ignore_index=True)
result = findings.without_training_data(table, samples)

# %% [markdown]
# ## The model's signals beside the training-set measures
# Top: GS and the near-copy share (they need the training set). Bottom: the mean spikiness of each model on its
# own samples and the mean stable rank of its weight matrices (they need only the model).

# %%
fig = plots.metric_panels(table, ["gs", "memorized_share", "spikiness", "stable_rank"], hue="n_train", columns=2)

# %% [markdown]
# ## Sample by sample: are the near-copies the spiky ones?
# Left: spikiness of near-copies and of the other samples, pooled over sizes and iterations, with the threshold
# that best separates them. Right: the AUC per iteration with its 95% interval (0.5: no better than chance).

# %%
fig = plots.detection(samples, result)

# %% [markdown]
# ## Greedy against vanilla through the same lens
# The Section 5 runs (replace and accumulate-subsample): does selection keep the models' representations
# balanced, as it keeps them from copying?

# %%
sel_base = {**base, **selection_base_changes}
sel_configs = experiments.selection_configs(sel_base, n_train=n_train, iterations=selection_iterations, seeds=selection_seeds,
                                            selectors=["random", "greedy"])
selection = experiments.run_experiment("selection", sel_configs, **profiles.execution(execution))
fig = plots.metric_over_iterations(selection, "spikiness", hue="selector", col="paradigm")
result["selection_spikiness_last"] = (selection[selection.iteration == selection_iterations]
                                      .groupby(["paradigm", "selector"]).spikiness.mean().unstack().to_dict("index"))

# %% [markdown]
# ## What the cpu profile shows
# **Spikiness does not detect memorization at this scale; if anything it points the wrong way.** Over 4,800
# samples of the Finding I runs (2,749 of them near-copies), the near-copies are slightly *less* spiky than the
# other samples: the pooled AUC is 0.36 (95% CI 0.35 to 0.38). Per iteration it is 0.56 at iteration 1 and
# 0.39-0.48 afterwards, and the best threshold a user could apply (0.955) flags 2% of the near-copies and 1% of
# the rest. The model's mean spikiness also falls as the loop memorizes (from about 0.94 to 0.90-0.92; Pearson
# r = -0.44 with the near-copy share), the opposite of the hypothesis. Selection leaves no trace either: at
# iteration 4 greedy and vanilla models score 0.894 and 0.897 under accumulate-subsample, 0.886 and 0.888
# under replace, inside the seed spread.
#
# Two reasons are likely. The hypothesis comes from denoisers with many more hidden units than training
# images, where a memorizing network can give each image its own units; our residual MLP has 256 units per
# layer for 64 to 512 images of 64 pixels, and every input already lights up a small set of units (spikiness
# 0.9 on a scale where 1 is a single unit). And late in the loop the training sets hold many copies of a few
# digits, so the network no longer needs one unit per image.
#
# **The stable rank of the weights moves with memorization**: it falls from 8-12 at iteration 1 to 6-8 at
# iteration 5 at every size, and its correlation with the near-copy share over sizes and iterations is r = -0.64
# (95% CI -0.90 to -0.40; with GS, r = 0.73). It is an online signal that needs neither the training set nor
# samples. Read it with care: it falls with the iteration at every size, and so does everything else in the
# loop; across sizes at iteration 1 it does not order the sets by how much they are copied (N = 64: 8.4,
# N = 128: 10.1, N = 256: 11.5, N = 512: 10.2).
#
# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
print(chapter.record(profile, result))
auc_table = pd.DataFrame(result["auc_by_iteration"]).T
auc_table = auc_table[["mean", "ci_low", "ci_high"]].astype(float).round(3).join(auc_table[["n", "positives"]].astype(int))
auc_table.rename_axis("iteration").rename(columns={"mean": "AUC", "ci_low": "95% CI low", "ci_high": "95% CI high",
                                                  "n": "samples", "positives": "near-copies"})
