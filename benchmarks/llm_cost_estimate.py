"""What the LLM stages of a full vLLM + SGLang study would cost with a given model.

    python benchmarks/llm_cost_estimate.py --model anthropic/claude-sonnet-4-5

Per-call token counts come from a record store (default: the demo's, demo/llm-store): every
stage's calls per unit (commit, task, attempt; repair rounds included) and mean prompt and
completion tokens, by the store's accounting. They are scaled to the study's units and priced
with litellm's bundled price map (offline). The demo's diffs are far smaller than vLLM's, so
--prompt-scale multiplies prompt tokens (the classifier caps a diff at about 20,000 tokens).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from isobench.llm import RecordStore  # noqa: E402
from isobench.llm.costs import per_call_profile, study_estimate  # noqa: E402

# The demo the store was recorded on: 30 non-root commits classified (no keyword pre-filter),
# 8 tasks synthesized, 32 attempts judged (oracle 8 + predictions 24; noop's empty patches cost
# no call).
DEMO_UNITS = {"classify": 30, "synthesize": 8, "judge": 32}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="anthropic/claude-sonnet-4-5")
    parser.add_argument("--store", default="demo/llm-store")
    parser.add_argument(
        "--commits",
        type=int,
        default=15234 + 8421,
        help="commits classified (default: the vLLM + SGLang histories the paper reports, "
        "no keyword pre-filter; a pre-filter cuts this)",
    )
    parser.add_argument("--tasks", type=int, default=54, help="tasks synthesized (39 + 15)")
    parser.add_argument("--agents", type=int, default=6)
    parser.add_argument("--attempts", type=int, default=3, help="K, attempts per agent and task")
    parser.add_argument("--prompt-scale", type=float, default=1.0)
    args = parser.parse_args()

    profile = per_call_profile(RecordStore(args.store).entries())
    for row in profile.values():
        row["mean_prompt_tokens"] *= args.prompt_scale
    units = {
        "classify": (args.commits, DEMO_UNITS["classify"]),
        "synthesize": (args.tasks, DEMO_UNITS["synthesize"]),
        "judge": (args.tasks * args.agents * args.attempts, DEMO_UNITS["judge"]),
    }
    print(f"store {args.store}: per-call means by stage")
    for stage, row in sorted(profile.items()):
        print(
            f"  {stage:<11} {row['calls']:>4} calls, {row['mean_prompt_tokens']:>9.0f} prompt + "
            f"{row['mean_completion_tokens']:>6.0f} completion tokens per call"
        )
    print(f"\nfull study with {args.model} (prompt tokens x{args.prompt_scale:g}):")
    header = f"  {'stage':<11} {'units':>8} {'calls':>8} {'prompt tok':>13} {'compl. tok':>12} {'USD':>10}"
    print(header)
    for row in study_estimate(profile, units, args.model):
        cost = "unpriced" if row["cost_usd"] is None else f"{row['cost_usd']:.2f}"
        units_text = "" if row["units"] is None else row["units"]
        print(
            f"  {row['stage']:<11} {units_text:>8} {row['calls']:>8} {row['prompt_tokens']:>13,} "
            f"{row['completion_tokens']:>12,} {cost:>10}"
        )


if __name__ == "__main__":
    main()
