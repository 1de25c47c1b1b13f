# One environment for everything: .venv, installed from the exact pins in requirements.lock.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= 2
PYTEST_ARGS ?=
# make llm-record: the model that answers, and the store its answers go to (not the demo's).
LLM_MODEL ?= anthropic/claude-sonnet-4-5
LLM_STORE ?= .isobench-store

.PHONY: setup demo test test-fast lint format lock paper clean llm-record llm-standins

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

setup: $(BIN)/.installed  ## create .venv with the pinned environment

demo: setup  ## run the whole study on the embedded demo (no keys, no GPU, no docker)
	$(BIN)/snakemake --cores $(CORES)  # the default target: results/opt_at_k.csv and everything behind it

test: setup  ## lint + the whole test suite (unit, schema, DAG, end-to-end demo)
	$(BIN)/ruff check isobench scripts tests benchmarks
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint
	$(BIN)/pytest $(PYTEST_ARGS)

# The fast lane: everything that starts no Snakemake, daemon, cluster or agent CLI, on two
# workers (most of these tests wait on timeouts and processes, not on the CPU): under a minute.
FAST_TESTS ?= not e2e and not docker and not slurm and not agents

test-fast: setup  ## ruff + the tests that start no workflow, daemon, cluster or agent CLI
	$(BIN)/ruff check isobench scripts tests benchmarks
	$(BIN)/pytest -n 2 -m "$(FAST_TESTS)" $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check isobench scripts tests benchmarks
	$(BIN)/ruff format --check isobench scripts tests benchmarks
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint

format: setup
	$(BIN)/ruff format isobench scripts tests benchmarks
	$(BIN)/ruff check --fix isobench scripts tests benchmarks
	$(BIN)/snakefmt Snakefile rules

# setuptools is pinned too (torch needs it); torch's local build label (+cpu) is dropped, so the
# pin is torch==2.13.0 and pip takes this machine's build of it (a CPU wheel from its disk).
lock: setup  ## re-pin: write the current environment to requirements.lock
	{ echo "# Exact pins of the whole environment (runtime + dev tools), from 'make lock'."; \
	  echo "# Install with: pip install -r requirements.lock && pip install --no-deps -e ."; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -v -i -E '^(isobench|pip)==' \
	    | sed -E 's/^(torch==[^+]+)\+.*/\1/'; } > requirements.lock

paper: setup  ## the paper's tables and figures from its published per-task results
	$(BIN)/snakemake --cores 1 paper

llm-record: setup  ## run the demo's LLM stages with a real model, recording into LLM_STORE (needs the provider's API key)
	$(BIN)/snakemake --cores $(CORES) \
	  --config 'llm={mode: record, model: $(LLM_MODEL), store: $(LLM_STORE)}' 'synthesis={source: llm}' \
	  -- results/opt_at_k.csv results/llm_costs.csv

llm-standins: setup  ## re-record demo/llm-store from the authored stand-in answers (offline, fake provider)
	$(BIN)/python demo/llm-standins/record.py

clean:
	rm -rf results logs .snakemake
