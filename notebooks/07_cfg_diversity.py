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
# guidance $\epsilon = \epsilon_u + w(\epsilon_c - \epsilon_u)$ in the replace loop. With selection each class
# keeps the $N/10$ farthest-point picks of its $2N/10$ samples. Diversity is the mean within-class
# nearest-neighbour distance of the generated set. Check: at the last iteration it is higher with greedy
# selection than without.

# %% tags=["parameters"]
profile = "smoke"
n_train = 50  # a multiple of 10 (class-balanced)
iterations = 2
guidance = 3.0  # w
seeds = [0]
selectors = ["random", "greedy"]
base = {  # RunConfig values shared by every run of this notebook (denoiser, training, sampling)
    "dataset": "digits", "model": "mlp", "width": 64, "blocks": 2, "train_steps": 150, "batch_size": 128,
    "lr": 0.002, "warmup_steps": 20, "sampler": "ddim", "sample_steps": 20, "threads": 2,
    "fd_feature": "pixel", "save_models": False,
}
base_changes = {}  # per-notebook changes to the profile's shared base (params/<profile>/<notebook>.yaml)
workers = 1  # runs trained at once, each in its own process (set threads to cores divided by workers)

# %%
base = {**base, **base_changes}
from collapse_lib import experiments, findings, plots, report
from collapse_lib.loop.runner import load_iteration

configs = experiments.cfg_configs(base, n_train=n_train, iterations=iterations, guidance=guidance, seeds=seeds,
                                  selectors=selectors)
table = experiments.run_experiment("cfg", configs, workers=workers)
report.update_metrics_table(profile, table)
table.groupby(["selector", "iteration"])[["within_class_nnd", "entropy", "gs", "fd"]].mean().round(3)

# %%
fig = plots.metric_over_iterations(table, "within_class_nnd", hue="selector", ylabel="mean within-class NND",
                                   ref_line=float(table.real_within_class_nnd.iloc[0]))

# %% [markdown]
# ## Diversity of the training sets
# The same measure on each iteration's training set $D_n$: what selection hands the next model. At iteration 1
# both are the real images; from iteration 2 on, greedy's $D_n$ holds the $N$ most spread-out of $2N$ samples.

# %%
fig = plots.metric_over_iterations(table, "train_within_class_nnd", hue="selector",
                                   ylabel="within-class NND of D_n", ref_line=float(table.real_within_class_nnd.iloc[0]))

# %% [markdown]
# ## Samples at the last iteration, one row per class
# Left: vanilla CFG; right: CFG with greedy selection (seed shown: the first).

# %%
for selector in selectors:
    run = table[(table.selector == selector) & (table.seed == seeds[0])].run.iloc[0]
    _, gen = load_iteration(experiments.default_runs_root() / run, iterations)
    rows = [gen.images[gen.labels == c][:8] for c in range(10)]
    plots.image_grid(rows, [f"class {c}" for c in range(10)], suptitle=f"{selector}, iteration {iterations}")

# %% [markdown]
# ## What the cpu profile shows
# The check compares means over seeds, and `clear_of_seed_spread` says whether every greedy seed also
# beats every vanilla seed. In the cpu run shown here (N = 500, w = 3, 2,000 training steps, four
# iterations, three seeds) the two settings end close together: the greedy mean is above vanilla's by less
# than the spread between seeds, so the summary marks the check as holding on the means only. CFG already
# cuts within-class diversity at iteration 1 (compare the dashed real-data line), and over four iterations
# both settings keep falling; the paper's much clearer separation comes at iteration 8 on MNIST with a UNet.
# Selection does what it is asked to do on the training sets: in the plot of $D_n$ above, greedy's training
# sets are on average more diverse within each class than vanilla's at every iteration from 2 on (in the
# cpu run, 1.27 against 1.09 at iteration 4, though the seeds overlap at iterations 3 and 4). The next model,
# however, does not carry that extra diversity into its samples at this scale, which is why the generated
# sets end so close together.

# %%
# NBVAL_CHECK_OUTPUT
result = findings.fig_4(table)
report.write_results(profile, "07_cfg_diversity", result)
print(report.describe(result))
