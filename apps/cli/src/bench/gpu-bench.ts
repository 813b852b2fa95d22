// Our MD4 training step and ancestral sampler on a GPU through @tensorflow/tfjs-backend-webgpu in
// Node (npm `webgpu`: Dawn, on Vulkan under Linux). Prints ONE JSON line:
// { adapter, configs: [{ name, train, sample, sampleLazy }], machine }.
// Usage: pnpm --filter @md4/cli bench:gpu [-- --configs tiny,small-cpu --train-steps N --sample-steps T
//   --generations N --only train|sample --profile --quick]: the speed bench's flags; the peer's and
//   the native backend's (--precision, --peer-autocast, --wasm, --no-peer, --rounds) do not apply.
// Where Dawn finds no Vulkan device it exits 1 and says so. SwiftShader (a Vulkan on the CPU that
// Debian's chromium package carries) runs it without a GPU, slowly:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
import '@tensorflow/tfjs';
import { availableParallelism, cpus } from 'node:os';
import { parseBenchOptions } from './bench-options';
import { round } from './cpu-load';
import { measureSampling, measureTraining } from './measure-ours';
import { registerWebGpu } from './webgpu-backend';

/** The speed bench's flags that set the native backend or the PyTorch peer: refused here. */
const CPU_ONLY_FLAGS = ['--precision', '--peer-autocast', '--wasm', '--no-peer', '--rounds'];

async function main() {
  const argv = process.argv.slice(2);
  const refused = argv.filter((a) => CPU_ONLY_FLAGS.includes(a));
  if (refused.length > 0)
    throw new Error(
      `${refused.join(', ')}: not for the GPU bench (they choose the native backend's precision or the PyTorch peer)`,
    );
  const opts = parseBenchOptions(argv);
  // keep stdout for the one JSON line
  console.log = (...args: unknown[]) => console.error(...args);
  const info = await registerWebGpu();
  const t0 = performance.now();
  const configs = [];
  for (const config of opts.configs) {
    const out: Record<string, unknown> = { name: config.name, ...config.model, batch: config.batch };
    if (opts.train)
      out.train = await measureTraining(config, 'webgpu', opts.trainSteps, opts.trainWarmup, opts.profile);
    if (opts.sample) {
      const so = { steps: opts.sampleSteps, batch: opts.sampleBatch, generations: opts.generations };
      out.sample = await measureSampling(config, 'webgpu', { ...so, lazy: false });
      out.sampleLazy = await measureSampling(config, 'webgpu', { ...so, lazy: true });
    }
    configs.push(out);
  }
  const result = {
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
    },
    configs,
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      seconds: round((performance.now() - t0) / 1000),
      node: process.version,
    },
    options: {
      trainSteps: opts.trainSteps,
      trainWarmup: opts.trainWarmup,
      sampleSteps: opts.sampleSteps,
      sampleBatch: opts.sampleBatch,
      generations: opts.generations,
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Dawn's device keeps the event loop alive
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
