import type { Command } from "commander";
import { stringify } from "yaml";
import { loadTrainConfig } from "../train/config.js";
import { loadTrainingData } from "../train/dataset.js";
import { formatLengthReport, trainLengthReport } from "../train/length-report.js";
import { DataPlan } from "../train/plan.js";
import { TrainingProgress } from "../train/progress.js";
import { trainFromConfig } from "../train/run.js";
import { warmupSteps } from "../train/schedule.js";
import { identicalPromptWarning } from "../train/sequences.js";
import { addForceUnlockOption, lockRunFolder, type RunFolderFlags } from "./run-folder.js";

interface TrainCliFlags extends RunFolderFlags {
  config?: string;
  method?: string;
  resume?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description("train with SFT, DPO, IOPO (eq. 9), IOPO*, the IOPO ablations, SimPO or ORPO from a YAML config")
    .option("-c, --config <file>", "YAML config (LLaMA-Factory-style sections; see examples/)")
    .option("--method <method>", "sft | dpo | iopo | iopo_star | iopo_input_only | iopo_output_only | simpo | orpo")
    .option("--resume", "continue from the newest intact checkpoint in output_dir (to a larger max_steps too)")
    .option(
      "--dry-run",
      "validate the config, the dataset and the model folder (config + tokenizer, no weights loaded), print the " +
        "plan and the examples' token lengths against max_length and max_position_embeddings; do not train",
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
        "logging/eval/save cadence; other changed keys are refused and named. Divergence without NaN (loss spikes, a zero gradient norm) is warned about and\n" +
        "stops the run when sustained: divergence_factor 10, divergence_window 20, divergence_patience 5,\n" +
        "stop_on_divergence true.",
    )
    .action(async (opts: TrainCliFlags, cmd: Command) => {
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
        // The model folder's config and tokenizer (no weights): a missing or broken folder fails here, and every
        // example's token length is compared with max_length and max_position_embeddings.
        process.stdout.write(formatLengthReport(trainLengthReport(cfg, data)));
        process.stdout.write(stringify(cfg));
        return;
      }
      const lock = lockRunFolder(cfg.output_dir, opts);
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
      } finally {
        lock.release();
      }
    });
}
