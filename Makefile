# Two commands do everything on a fresh machine: `make book` and `make test` (see README.md).
# The work happens in scripts/dev.sh, which also runs without make: `bash scripts/dev.sh test`.
PROFILE ?= cpu

.PHONY: env test book html pdf bench lock nbval-refresh rehearsal check-paper
env:
	@bash scripts/dev.sh env
test:
	@bash scripts/dev.sh test
book:
	@bash scripts/dev.sh book $(PROFILE)
html:
	@bash scripts/dev.sh html $(PROFILE)
pdf:
	@bash scripts/dev.sh pdf $(PROFILE)
rehearsal:
	@bash scripts/dev.sh book rehearsal
check-paper:
	@bash scripts/dev.sh check paper
bench:
	@bash scripts/dev.sh bench
lock:
	@bash scripts/dev.sh lock
nbval-refresh:
	@bash scripts/dev.sh nbval-refresh
