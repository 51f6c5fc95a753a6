// onnxruntime's side of bench/run: load a model, run it R times on a .npy
// input with T intra-op threads, print {"load_ms", "forward_ms" (median)}.
'use strict';
const path = require('path');
const fs = require('fs');
const ortDir = process.env.ORT_DIR || path.join(__dirname, '..', 'tests', 'ort', 'node_modules');
const ort = require(path.join(ortDir, 'onnxruntime-node'));

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start + headerLen,
                                                 buf.byteOffset + buf.length));
  return { shape, data };
}

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
