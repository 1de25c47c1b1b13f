"""The fix table: every documented data error of the ISO-Bench task data, and how it is fixed.

Each row names the task (8-hex commit prefix), what changes, and the source that documents both
the error and the fix. The generator (``isobench.tasks.commitlists``) applies them to the rows of
``isobench_tasks.csv``, records each applied fix in the entry (``fixes``) and writes it as a
comment above the entry, so a fix is never silent. A fix whose ``old`` text is no longer in the
row is an error (the table is stale), not a silent no-op.

``CAVEATS`` are documented problems that are *not* changed (no source gives a fix, or changing
them would change the study); they travel with the entry as ``caveats`` and comments.

Source keys: O = GitHub thekernelcompany/OmniPerf-Bench, L = GitHub Lossfunk/ISO-Bench.
"""

from __future__ import annotations

from dataclasses import dataclass

HARD_METRICS = "O docs/HARD_METRICS_OH_GPT5_FINAL.md"
ANALYSIS_REPORT = "L archive/analysis/vllm_commits_analysis_report.md"
SUMMARY = "O archive/results/2026-05/iso_bench_results_3way_openhands_gpt5/SUMMARY.json"
COMPOSITION = "O docs/rebuttal_analysis/composition.md"
VLLM_OH_MAPPING = "O data/mappings/vllm_oh_mapping.json"
SGLANG_OH_MAPPING = "O data/mappings/sglang_oh_mapping.json"


def extraction(sha: str) -> str:
    return f"L archive/misc/experiments/sglang_commit_extractions_with_apis/{sha}.json"


@dataclass(frozen=True)
class Fix:
    """One change of one field of one task.

    ``kind`` ``replace``: the token ``old`` of ``perf_command`` becomes ``new`` (the model
    list follows the command); ``set``: the field becomes ``new`` (``old`` is what the row had).
    """

    commit: str
    field: str
    kind: str
    old: object
    new: object
    source: str
    why: str


FIXES: tuple[Fix, ...] = (
    Fix(
        "015069b0",
        "perf_command",
        "replace",
        "Qwen/Qwen3-7B-Instruct",
        "Qwen/Qwen2.5-7B-Instruct",
        HARD_METRICS,
        "typo model id: Qwen3-7B-Instruct does not exist; the dataset's models value and the "
        "runner use Qwen/Qwen2.5-7B-Instruct",
    ),
    Fix(
        "9ed82e70",
        "models",
        "set",
        ["meta-llama/Llama-2-7b-hf"],
        ["meta-llama/Llama-3.1-8B-Instruct"],
        HARD_METRICS,
        "the dataset's models[] (Llama-2-7b-hf) disagrees with the command's --model; the runner "
        "treats --model as the truth",
    ),
    Fix(
        "3476ed08",
        "models",
        "set",
        ["meta-llama/Llama-2-7b-hf"],
        ["meta-llama/Llama-3.1-8B-Instruct"],
        HARD_METRICS,
        "the dataset's models[] (Llama-2-7b-hf) disagrees with the command's --model; the runner "
        "treats --model as the truth",
    ),
    Fix(
        "310aca88",
        "gpus",
        "set",
        1,
        4,
        HARD_METRICS,
        "the command has -tp 4 (Llama-3-70B): not a single-GPU task; the GPT-5 run rewrote it to "
        "tp=2, which is not comparable. Kept at -tp 4: skipped (skipped_hardware) with fewer GPUs",
    ),
    Fix(
        "e7b20426",
        "gpus",
        "set",
        1,
        4,
        f"{VLLM_OH_MAPPING} (tp: 4); {SUMMARY} (hardware_bound)",
        "Llama-4-Maverick-17B-128E needs tensor parallelism 4 by the runner's mapping, and did "
        "not fit 2xH100 or 8xH100 80GB; never benchmarked by the source",
    ),
    Fix(
        "021f76e4",
        "perf_command",
        "set",
        "python3 -m sglang.bench_serving --backend sglang  --num-prompt 480 --request-rate 8 "
        "--lora-name lora",
        "python3 -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct "
        "--disable-radix-cache --lora-paths lora=algoprog/fact-generation-llama-3.1-8b-instruct-lora"
        "\npython3 -m sglang.bench_serving --backend sglang --num-prompt 480 --request-rate 8 "
        "--lora-name lora",
        f"{extraction('021f76e4f49861b2e9ea9ccff06a46d577e3c548')} (timeline_text, "
        f"'Benchmark Script'); {SGLANG_OH_MAPPING} (perf_command)",
        "the extracted command is the client line only: without the PR's server line (model, "
        "--lora-paths lora=..., --disable-radix-cache) --lora-name lora has no adapter to use",
    ),
    Fix(
        "205d5cb4",
        "perf_command",
        "replace",
        "--backend sglang",
        "--backend sglang --model meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8 --tp-size 8",
        f"{extraction('205d5cb407f7860c79df870b3f045d74b8292f77')} (models); "
        "shared/reference/README.md ('SGLang PR commands assume multi-GPU': server --tp-size=8)",
        "the PR command names no model (its server had it) and assumes an 8-GPU server; the "
        "model is the extraction's models value, the --tp-size 8 the PR server's. The runner's "
        "substitute (Llama-4-Scout w4a16) is not used: skipped with fewer than 8 GPUs",
    ),
    Fix(
        "31589e17",
        "perf_command",
        "replace",
        "/dev/shm/DeepSeek-V3-0324",
        "deepseek-ai/DeepSeek-V3-0324",
        f"{extraction('31589e177e2df6014607293fb4603cfd63297b67')} (perf_command); {COMPOSITION} "
        "(one DeepSeek-V3-0324 task)",
        "the PR's --model is a local path of the PR author's machine; the Hub id of the same "
        "weights replaces it (the extraction's models says DeepSeek-V3; composition.md counts "
        "this task as DeepSeek-V3-0324)",
    ),
    Fix(
        "31589e17",
        "gpus",
        "set",
        1,
        16,
        "shared/reference/README.md ('SGLang PR commands assume multi-GPU': 16-GPU two-node "
        "server in the PR)",
        "DeepSeek-V3-0324 was served on 16 GPUs (two nodes) in the PR; the runner's substitute "
        "(DeepSeek-V2-Lite-Chat, 30 prompts) is not used: skipped with fewer GPUs",
    ),
    Fix(
        "205d5cb4",
        "gpus",
        "set",
        1,
        8,
        "shared/reference/README.md (server --tp-size=8)",
        "Llama-4-Maverick-17B-128E-Instruct-FP8 with --tp-size 8",
    ),
    # Pool rows (outside the 54-task paper set; applied when the pool is generated).
    Fix(
        "d55e446d",
        "perf_command",
        "replace",
        "meta-llama/Llama-3-8B",
        "meta-llama/Meta-Llama-3-8B",
        HARD_METRICS,
        "typo model id: meta-llama/Llama-3-8B does not exist on the Hub",
    ),
    Fix(
        "6d646d08",
        "perf_command",
        "replace",
        "meta-llama/Llama-3-8B-Instruct",
        "meta-llama/Meta-Llama-3-8B-Instruct",
        HARD_METRICS,
        "typo model id: meta-llama/Llama-3-8B-Instruct does not exist on the Hub",
    ),
)


@dataclass(frozen=True)
class Caveat:
    commit: str
    text: str
    source: str


LLAMA31_OLD_VLLM = (
    "this vLLM predates Llama-3.1 support (llama3 rope scaling); the source's runner swapped "
    "Llama-3.1 for Meta-Llama-3 at run time (MODEL_OVERRIDES), which we do not do: the "
    "dataset's model is kept, so the task may be base_failed"
)

CAVEATS: tuple[Caveat, ...] = (
    Caveat("9ed82e70", LLAMA31_OLD_VLLM, f"{HARD_METRICS}; {SUMMARY} (known_caveats)"),
    Caveat("3476ed08", LLAMA31_OLD_VLLM, f"{HARD_METRICS}; {SUMMARY} (known_caveats)"),
    Caveat("d7740ea4", LLAMA31_OLD_VLLM, f"{HARD_METRICS}; {SUMMARY} (known_caveats)"),
    Caveat(
        "3476ed08",
        "baseline and test need different commands (--use-v2-block-manager); one command "
        "serves all three variants here",
        ANALYSIS_REPORT,
    ),
    Caveat("fa63e710", "the human effect size is within noise", ANALYSIS_REPORT),
    Caveat(
        "6dd94dbe",
        "parent = vLLM 0.4.0 (CUDA 11): the source could not build it (hardware_bound)",
        SUMMARY,
    ),
    Caveat(
        "99abb8b6",
        "an earlier version of this command lacked a space ('[ngram]'--ngram_prompt_lookup_min "
        "5); the command here is the corrected one",
        ANALYSIS_REPORT,
    ),
    Caveat(
        "2deb029d",
        "paper-era runs used the RedHatAI FP8 mirror of this model",
        "shared/reference/README.md (paper-era commands)",
    ),
    Caveat(
        "e3580537",
        "paper-era runs used the RedHatAI FP8 mirror of this model",
        "shared/reference/README.md (paper-era commands)",
    ),
    Caveat(
        "2ed68d7a",
        "the command runs DeepSeek-V2-Lite-Chat, the paper-era harness's stand-in for the "
        "dataset's DeepSeek-V3 (a runner substitution: no DeepSeek-V3 command is recorded); "
        "results are not comparable with a DeepSeek-V3 run",
        f"{COMPOSITION}; shared/reference/README.md (runner substitutions)",
    ),
    Caveat(
        "c087ddd6",
        "the command runs DeepSeek-V2-Lite-Chat, the paper-era harness's stand-in for the "
        "dataset's DeepSeek-V3 (a runner substitution: no DeepSeek-V3 command is recorded); "
        "results are not comparable with a DeepSeek-V3 run",
        f"{COMPOSITION}; shared/reference/README.md (runner substitutions)",
    ),
)

# Dataset fields the sources give for single tasks (the rest are null: not stored readably).
EXTRAS: dict[str, dict] = {
    "021f76e4": {
        "pr_date": "2025-06-11",
        "timeline_extracted_at": "2025-09-11 18:56:41",
        "lm_eval_commands": [
            "lm_eval --model sglang --model_args pretrained=meta-llama/Llama-3.1-8B-Instruct,"
            "trust_remote_code=True --tasks gsm8k --num_fewshot 8 --batch_size 16"
        ],
        "source": extraction("021f76e4f49861b2e9ea9ccff06a46d577e3c548"),
    },
}
# Hardware the source ran Level-1 tasks on (one H100 80GB), per GPU count.
HARDWARE_SOURCE = "O docs/HARD_METRICS_OH_GPT5_FINAL.md (single-H100 for all Level-1 tasks)"
