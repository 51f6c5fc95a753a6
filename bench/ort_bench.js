// onnxruntime's side of bench/run: load a model, run it R times on a .npy
// input with T intra-op threads, print {"load_ms", "forward_ms" (median)}.
'use strict';
const { ort, readNpy } = require('./ort_common');

async function main() {
  const [model, input, repeat, threads] = process.argv.slice(2);
  const x = readNpy(input);
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
  const times = [];
  for (let i = 0; i < Number(repeat); i++) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  console.log(JSON.stringify({ load_ms: loadMs, forward_ms: median }));
}

main().catch(e => { console.error('ort_bench: ' + e.message); process.exit(2); });
