import type { Command } from "commander";
import { stringify } from "yaml";
import { rewardRegistry } from "../experiment/rewards.js";
import { loadTrainConfig, type TrainConfig } from "../train/config.js";
import { loadTrainingData } from "../train/dataset.js";
import {
  formatLengthReport,
  formatRolloutLengthReport,
  rolloutLengthReport,
  trainLengthReport,
} from "../train/length-report.js";
import { isRolloutMethod } from "../train/online/config.js";
import { formatTiming } from "../train/online/loop.js";
import { rolloutPlan } from "../train/online/plan.js";
import { loadPromptData, type PromptData } from "../train/online/prompts.js";
import { checkRewardNames } from "../train/online/rewards.js";
import { dataPlanOf } from "../train/plan.js";
import { TrainingProgress } from "../train/progress.js";
import { trainFromConfig } from "../train/run.js";
import { warmupSteps } from "../train/schedule.js";
import { identicalPromptWarning } from "../train/sequences.js";
import { addForceUnlockOption, lockRunFolder, type RunFolderFlags } from "./run-folder.js";

/** The plan line of a rollout method (ppo, grpo): prompts, rollouts and steps. */
function rolloutHeader(cfg: TrainConfig): { line: string; totalSteps: number; data: PromptData } {
  const data = loadPromptData(cfg);
  const p = rolloutPlan(cfg, data.train.length);
  const warm = warmupSteps(p.totalSteps, cfg.warmup_ratio, cfg.warmup_steps);
  const sample =
    cfg.method === "grpo"
      ? `${p.promptsPerRollout} prompts x ${p.completionsPerPrompt} completions per rollout, ${p.stepsPerRollout} optimizer step(s) each`
      : `${p.promptsPerRollout} prompts per step, ${cfg.num_ppo_epochs} PPO epochs x ${cfg.num_mini_batches} mini-batches`;
  return {
    line:
      `${cfg.method}: ${data.train.length} training + ${data.eval.length} validation prompts (${cfg.dataset}, ${data.format}); ` +
      `${p.totalSteps} steps (${sample}), ${warm} warmup; up to ${cfg.max_completion_length} new tokens at temperature ${cfg.temperature}\n`,
    totalSteps: p.totalSteps,
    data,
  };
}

interface TrainCliFlags extends RunFolderFlags {
  config?: string;
  method?: string;
  resume?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description(
      "train with SFT, DPO, IOPO (eq. 9), IOPO*, the IOPO ablations, SimPO, ORPO, a reward model, PPO or GRPO from a YAML config",
    )
    .option("-c, --config <file>", "YAML config (LLaMA-Factory-style sections; see examples/)")
    .option(
      "--method <method>",
      "sft | dpo | iopo | iopo_star | iopo_input_only | iopo_output_only | simpo | orpo | rm | ppo | grpo",
    )
    .option("--resume", "continue from the newest intact checkpoint in output_dir (to a larger max_steps too)")
    .option(
      "--dry-run",
      "validate the config, the dataset and the model folder (config + tokenizer, no weights loaded), print the " +
        "plan and the examples' (ppo, grpo: the prompts') token lengths against max_length and " +
        "max_position_embeddings; do not train",
    );
  addForceUnlockOption(cmd)
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      "after",
      "\nAny config key can be given on the command line and overrides the file, e.g.\n" +
        "  iopo train -c examples/train-iopo.yaml --learning_rate 1e-5 --max_steps 100\n" +
        "LLaMA-Factory names are accepted as aliases (pref_beta, pref_loss, cutoff_len, stage).\n\n" +
        "output_dir holds trainer_log.jsonl, the final model and checkpoint-<save_steps x k>/ folders laid out like\n" +
        "Hugging Face Trainer's: each is a model folder (config.json + model.safetensors, or with LoRA PEFT's\n" +
        "adapter_model.safetensors + adapter_config.json) with tokenizer and chat template, so\n" +
        "`iopo generate --model-dir OUT/checkpoint-N` loads it, plus trainer_state.json and optimizer.safetensors for\n" +
        "--resume. LoRA runs also write the merged model to OUT/merged/.\n\n" +
        "One run per output_dir: a run holds OUT/.iopo.lock while it trains (a second one exits with code 75, naming\n" +
        "the holder). An output_dir holding a previous run is refused unless --resume (continue it from its newest\n" +
        "intact checkpoint: checksums in checkpoint-N/checkpoint.sha256; a damaged newer one is named and passed\n" +
        "over) or --overwrite_output_dir (remove that run's files first). --resume may raise max_steps or\n" +
        "num_train_epochs (the schedule is recomputed for the new total, as in Hugging Face's Trainer) and the\n" +
        "logging/eval/save cadence; other changed keys are refused and named. Divergence without NaN (loss spikes,\n" +
        "a zero gradient norm) is warned about and stops the run when sustained: divergence_factor 10,\n" +
        "divergence_window 20, divergence_patience 5, stop_on_divergence true (not for ppo and grpo, whose\n" +
        "surrogate losses are not meant to fall: they stop on a non-finite loss or gradient norm only).\n\n" +
        "Online methods (TRL's semantics and key names): rm trains a reward model on pairs (a Qwen2/Llama\n" +
        "ForSequenceClassification folder, score with `iopo score`); ppo samples from the policy and trains against\n" +
        "reward_model_path (kl_coef, gamma, lam, cliprange, cliprange_value, vf_coef, num_ppo_epochs, ...); grpo samples\n" +
        "num_generations completions per prompt and trains on reward_funcs (rules, rules_all, world, world_all, ifeval,\n" +
        "ifeval_all, or a reward model folder; reward_weights), with beta, epsilon, epsilon_high, loss_type\n" +
        "(grpo|bnpo|dr_grpo|dapo), scale_rewards, num_iterations. Their completions go to OUT/completions.jsonl.",
    )
    .action(async (opts: TrainCliFlags, cmd: Command) => {
      const overrides = [...cmd.args];
      if (opts.method) overrides.push("--method", opts.method);
      const cfg = loadTrainConfig(opts.config, overrides);
      const registry = rewardRegistry();
      let totalSteps: number;
      let lengthReport: () => string;
      if (isRolloutMethod(cfg.method)) {
        if (cfg.method === "grpo") checkRewardNames(cfg.reward_funcs ?? [], registry);
        const h = rolloutHeader(cfg);
        process.stdout.write(h.line);
        totalSteps = h.totalSteps;
        lengthReport = () => formatRolloutLengthReport(rolloutLengthReport(cfg, h.data));
      } else {
        const data = loadTrainingData(cfg);
        const plan = dataPlanOf(cfg, data.train.rows.length);
        const warm = warmupSteps(plan.totalSteps, cfg.warmup_ratio, cfg.warmup_steps);
        process.stdout.write(
          `${cfg.method}: ${data.train.rows.length} training + ${data.eval.rows.length} validation ${data.train.kind} examples ` +
            `(${cfg.dataset}, ${data.format}${data.sourceKind !== data.train.kind ? `, from ${data.sourceKind} rows` : ""}); ` +
            `${plan.totalSteps} optimizer steps (${plan.updatesPerEpoch}/epoch, effective batch ` +
            `${cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps}), ${warm} warmup\n`,
        );
        totalSteps = plan.totalSteps;
        lengthReport = () => formatLengthReport(trainLengthReport(cfg, data));
      }
      if (opts.dryRun) {
        // The model folder's config and tokenizer (no weights): a missing or broken folder fails here, and every
        // example's (prompt's) token length is compared with max_length and max_position_embeddings.
        process.stdout.write(lengthReport());
        process.stdout.write(stringify(cfg));
        return;
      }
      const lock = lockRunFolder(cfg.output_dir, opts);
      const progress = new TrainingProgress(totalSteps);
      try {
        const result = await trainFromConfig(cfg, {
          resume: opts.resume,
          onLog: (row) => progress.update(row),
          onStatus: (msg) => process.stderr.write(`${msg}\n`),
          rewards: registry,
        });
        progress.stop();
        const what = isRolloutMethod(cfg.method) ? "prompts" : "examples";
        process.stdout.write(
          `finished ${result.globalStep}/${result.totalSteps} steps; model, checkpoints and trainer_log.jsonl in ${cfg.output_dir}` +
            `; ${result.truncation.truncated} of ${result.truncation.examples} ${what} truncated to max_length ${cfg.max_length}\n`,
        );
        if (result.identicalPrompts) {
          const identical = identicalPromptWarning(result.identicalPrompts, cfg.max_length);
          if (identical) process.stdout.write(`${identical}\n`);
        }
        if (result.timing) process.stdout.write(`time split: ${formatTiming(result.timing)}\n`);
      } catch (err) {
        progress.stop();
        throw err;
      } finally {
        lock.release();
      }
    });
}
