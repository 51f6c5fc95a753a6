// What bench/ort_bench.js and bench/ort_profile.js share: onnxruntime-node (tests/ort's
// install, or ORT_DIR) and a float32 .npy reader.
'use strict';
const path = require('path');
const fs = require('fs');
const ortDir = process.env.ORT_DIR || path.join(__dirname, '..', 'tests', 'ort', 'node_modules');

// {shape, data: Float32Array} of a little-endian float32 .npy, version 1 or 2.
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

module.exports = { ort: require(path.join(ortDir, 'onnxruntime-node')), readNpy };
