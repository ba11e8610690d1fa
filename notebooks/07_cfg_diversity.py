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
# # Section 5, Fig. 4: selection restores diversity under classifier-free guidance
#
# **Claim (paper, Fig. 4).** Classifier-free guidance (CFG) sharpens samples at the price of diversity.
# In a self-consuming loop on MNIST, vanilla CFG still draws clean digits at iteration 8, but the samples
# within a class become nearly identical; choosing each training set by greedy selection keeps them varied
# (and its FID lower).
#
# We train a class-conditional denoiser (labels dropped to a null class 10% of the time) and sample with
# guidance $\hat x = \hat x_u + w(\hat x_c - \hat x_u)$ in the replace loop. With selection each class
# keeps the $N/10$ farthest-point picks of its $2N/10$ samples. Diversity is the mean within-class
# nearest-neighbour distance of the generated set. Check: at the last iteration it is higher with greedy
# selection than without for every seed, not only on the mean (every greedy seed above every vanilla seed).

# %% tags=["parameters"]
profile = "smoke"
n_train = 50  # a multiple of 10 (class-balanced)
iterations = 2
guidance = 1.5  # w
seeds = [0]
selectors = ["random", "greedy"]
base = None  # RunConfig values shared by every run (denoiser, training, sampling); None: profiles.SMOKE_BASE
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
execution = {}  # how runs execute: workers, executor (local, dask://HOST:PORT, slurm), executor_options

# %%
from collapse_lib import chapters, experiments, findings, plots, profiles, report, selection
from collapse_lib.loop.readback import load_iteration

chapter = chapters.get("07_cfg_diversity")
base = profiles.notebook_base(base, base_changes)

report.settings_table(profile, base, training_set_size=n_train, iterations=iterations, seeds=seeds,
                      guidance_w=guidance, selectors=selectors)

# %%
configs = experiments.cfg_configs(base, n_train=n_train, iterations=iterations, guidance=guidance, seeds=seeds,
                                  selectors=selectors)
table = experiments.run_experiment("cfg", configs, **profiles.execution(execution))
report.update_metrics_table(profile, table)
result = findings.fig_4(table)
real_nnd = float(table.real_within_class_nnd.iloc[0])

# %% [markdown]
# ## Within-class diversity of the samples and of the training sets
# First the samples $\mathcal G_n$, then the training sets $\mathcal D_n$, what selection hands the next
# model (at iteration 1 both are the real images). The dashed line is the real data's value.

# %%
fig = plots.metric_over_iterations(table, "within_class_nnd", hue="selector", ref_lines={"real digits": real_nnd})
fig = plots.metric_over_iterations(table, "train_within_class_nnd", hue="selector", ref_lines={"real digits": real_nnd})

# %% [markdown]
# ## Samples at the last iteration, one row per class
# Vanilla CFG first, then CFG with greedy selection (first seed).

# %%
for selector in selectors:
    run = table[(table.selector == selector) & (table.seed == seeds[0])].run.iloc[0]
    _, gen = load_iteration(experiments.default_runs_root() / run, iterations)
    rows = [gen.images[gen.labels == c][:10] for c in range(10)]
    plots.image_rows(rows, [f"class {c}" for c in range(10)], suptitle=f"{selection.get(selector).label}, iteration {iterations}")

# %% [markdown]
# ## What the cpu profile shows
# The claim holds at this scale, though far less strongly than in the paper. With 1,000 digits (100 per class),
# guidance $w = 1.5$, three seeds and 3,000 steps per model, the within-class nearest-neighbour distance of the
# samples falls from 1.49-1.65 at iteration 1 (the real digits: 2.20) to 0.157-0.209 with greedy selection and
# 0.106-0.140 without at iteration 4: every greedy seed is above every vanilla seed, 1.5 times the vanilla mean.
# The Fréchet distance at iteration 4 is lower with selection on the mean (438 against 473), with the seeds
# overlapping (greedy 423-452, vanilla 439-520). But both loops lose most of their diversity: in the grids at
# iteration 4, vanilla draws one digit per class again and again, and greedy selection two or three, some of
# them malformed (its class 9 is mostly a ring), where the paper's vanilla CFG loop on 12,000 MNIST digits still
# draws varied, clean digits at iteration 8.
#
# Selection does what it is asked to: the training sets it hands on keep nearly twice the within-class spread
# (0.54 against 0.30 at iteration 4). Each guided model then draws samples with a third to a half of its own
# training set's within-class spread, so the advantage is cut down at every step.
#
# Two settings were tried before this one. With 500 digits (50 per class) the contraction was faster still, and
# selection made no lasting difference: 0.079 (0.028-0.134) against 0.052 (0.026-0.065) at iteration 4, the
# seeds overlapping. Guided samples also sit far from the real data: the first model's Fréchet distance is 59
# times the floor here (23 times at 500 digits; the quality check asks for at most 5, and the samples keep 0.94
# of the real spread), a cost of guidance rather than of a model that did not learn. The guidance scale was
# chosen by measurement: a one-seed probe of the first model at 500 digits gave a Fréchet distance of 5.4, 18,
# 40 and 55 times the floor and a within-class distance of 1.17, 1.08, 0.96 and 0.76 at $w$ = 1, 1.5, 2 and 3. A
# full run at $w = 3$ and 500 digits (the paper's strong-guidance regime) was worse: its samples saturated over
# the loop (covariance trace 1.8 times the real one by iteration 4), and greedy and vanilla ended at the same
# within-class distance (0.31 and 0.31).
#
# %% [markdown]
# ## Verdict

# %% tags=["nbval-check-output"]
print(chapter.record(profile, result))
report.readable(table.pivot_table(index="iteration", columns="selector", values=["within_class_nnd", "train_within_class_nnd", "memorized_share"]).round(3))
