import type { Command } from "commander";
import { stringify } from "yaml";
import { loadTrainConfig } from "../train/config.js";
import { loadTrainingData } from "../train/dataset.js";
import { DataPlan } from "../train/plan.js";
import { TrainingProgress } from "../train/progress.js";
import { trainFromConfig } from "../train/run.js";
import { warmupSteps } from "../train/schedule.js";
import { identicalPromptWarning } from "../train/sequences.js";

export function register(program: Command): void {
  program
    .command("train")
    .description("train with SFT, DPO, IOPO (eq. 9), IOPO*, the IOPO ablations, SimPO or ORPO from a YAML config")
    .option("-c, --config <file>", "YAML config (LLaMA-Factory-style sections; see examples/)")
    .option("--method <method>", "sft | dpo | iopo | iopo_star | iopo_input_only | iopo_output_only | simpo | orpo")
    .option("--resume", "continue from the latest checkpoint in output_dir")
    .option("--dry-run", "validate the config and the dataset, print the plan, do not train")
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
        "--resume. LoRA runs also write the merged model to OUT/merged/.",
    )
    .action(async (opts: { config?: string; method?: string; resume?: boolean; dryRun?: boolean }, cmd: Command) => {
      const overrides = [...cmd.args];
      if (opts.method) overrides.push("--method", opts.method);
      const cfg = loadTrainConfig(opts.config, overrides);
      const data = loadTrainingData(cfg);
      const plan = new DataPlan(
        data.train.rows.length,
        cfg.per_device_train_batch_size,
        cfg.gradient_accumulation_steps,
        cfg.num_train_epochs,
        cfg.max_steps,
        cfg.seed,
      );
      const warm = warmupSteps(plan.totalSteps, cfg.warmup_ratio, cfg.warmup_steps);
      process.stdout.write(
        `${cfg.method}: ${data.train.rows.length} training + ${data.eval.rows.length} validation ${data.train.kind} examples ` +
          `(${cfg.dataset}, ${data.format}${data.sourceKind !== data.train.kind ? `, from ${data.sourceKind} rows` : ""}); ` +
          `${plan.totalSteps} optimizer steps (${plan.updatesPerEpoch}/epoch, effective batch ` +
          `${cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps}), ${warm} warmup\n`,
      );
      if (opts.dryRun) {
        process.stdout.write(stringify(cfg));
        return;
      }
      const progress = new TrainingProgress(plan.totalSteps);
      try {
        const result = await trainFromConfig(cfg, {
          resume: opts.resume,
          onLog: (row) => progress.update(row),
          onStatus: (msg) => process.stderr.write(`${msg}\n`),
        });
        progress.stop();
        process.stdout.write(
          `finished ${result.globalStep}/${result.totalSteps} steps; model, checkpoints and trainer_log.jsonl in ${cfg.output_dir}` +
            `; ${result.truncation.truncated} of ${result.truncation.examples} examples truncated to max_length ${cfg.max_length}\n`,
        );
        const identical = identicalPromptWarning(result.identicalPrompts, cfg.max_length);
        if (identical) process.stdout.write(`${identical}\n`);
      } catch (err) {
        progress.stop();
        throw err;
      }
    });
}
