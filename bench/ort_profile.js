// onnxruntime's side of bench/dnnl_floor --layers: run a model R + 1 times on a .npy input
// with T intra-op threads and its profiler on, and print the milliseconds per run its Conv
// nodes took, summed by shape: {"runs": R, "convs": [{"ic", "ih", "k", "s", "ms"}]}; the
// first (untimed) run is left out.
'use strict';
const { ort, readNpy } = require('./ort_common');
const fs = require('fs');
const os = require('os');
const path = require('path');

async function main() {
  const [model, input, repeat, threads] = process.argv.slice(2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-'));
  const x = readNpy(input);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1, graphOptimizationLevel: 'all',
    enableProfiling: true, profileFilePrefix: path.join(dir, 'p') });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
  const runs = Number(repeat);
  for (let i = 0; i <= runs; i++)
    await session.run(feeds);
  await session.release(); // writes the profile
  const file = fs.readdirSync(dir).filter(f => f.endsWith('.json'))[0];
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  fs.rmSync(dir, { recursive: true });
  const byRun = events.filter(e => e.cat === 'Session' && e.name === 'model_run')
                      .sort((a, b) => a.ts - b.ts);
  const firstEnd = byRun.length ? byRun[0].ts + byRun[0].dur : 0;
  const sums = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < firstEnd ||
        !e.args || e.args.op_name !== 'Conv')
      continue;
    const xs = e.args.input_type_shape[0].float, ws = e.args.input_type_shape[1].float;
    const ys = e.args.output_type_shape[0].float;
    const key = [xs[1], xs[2], ws[2], Math.round(xs[2] / ys[2])].join(',');
    sums.set(key, (sums.get(key) || 0) + e.dur / 1000);
  }
  const convs = [...sums].map(([k, ms]) => {
    const [ic, ih, kk, s] = k.split(',').map(Number);
    return { ic, ih, k: kk, s, ms: ms / runs };
  });
  console.log(JSON.stringify({ runs, convs }));
}

main().catch(e => { console.error('bench/ort_profile.js: ' + e.message); process.exit(1); });
